with

source as (

    select
        {{- staging_columns(source('salesforce', 'account'), salesforce_columns('account')) }}
    from {{ source('salesforce', 'account') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as account_id,
        owner_id,
        parent_id as parent_account_id,
        name as account_name,
        type as account_type,
        industry,
        website,
        {{ normalize_domain('website') }} as website_domain,
        billing_city,
        billing_country,
        currency_iso_code as currency_code,
        number_of_employees,
        annual_revenue,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
