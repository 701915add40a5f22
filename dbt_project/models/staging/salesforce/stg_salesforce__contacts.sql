with

source as (

    select
        {{- staging_columns(source('salesforce', 'contact'), salesforce_columns('contact')) }}
    from {{ source('salesforce', 'contact') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as contact_id,
        account_id,
        owner_id,
        name as contact_name,
        first_name,
        last_name,
        email,
        {{ normalize_email('email') }} as email_normalized,
        {{ email_domain(normalize_email('email')) }} as email_domain,
        title,
        department,
        lead_source,
        mailing_country,
        buying_role_c as buying_role,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
