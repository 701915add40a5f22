with

source as (

    select
        {{- staging_columns(source('salesforce', 'lead'), salesforce_columns('lead')) }}
    from {{ source('salesforce', 'lead') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as lead_id,
        converted_account_id,
        converted_contact_id,
        converted_opportunity_id,
        owner_id,
        name as lead_name,
        first_name,
        last_name,
        email,
        {{ normalize_email('email') }} as email_normalized,
        {{ email_domain(normalize_email('email')) }} as email_domain,
        company as company_name,
        title,
        website,
        {{ normalize_domain('website') }} as website_domain,
        country,
        status as lead_status,
        lead_source,
        disqualified_reason_c as disqualified_reason,
        coalesce(is_converted, false) as is_converted,
        converted_date,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
