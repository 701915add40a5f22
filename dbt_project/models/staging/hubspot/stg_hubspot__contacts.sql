{{ config(enabled=var('hubspot_enabled', false)) }}

with

source as (

    select
        {{- staging_columns(source('hubspot', 'contacts'), hubspot_columns('contacts') + [
            {"name": "salesforcecontactid", "type": "string"},
            {"name": "salesforceleadid", "type": "string"},
        ]) }}
    from {{ source('hubspot', 'contacts') }}

),

latest as (

    {{ hubspot_latest('source') }}

),

renamed as (

    select
        id as contact_id,
        associatedcompanyid as company_id,
        hubspot_owner_id as owner_id,
        nullif(trim(salesforcecontactid), '') as salesforce_contact_id,
        nullif(trim(salesforceleadid), '') as salesforce_lead_id,
        'hubspot' as source_system,
        firstname as first_name,
        lastname as last_name,
        email,
        {{ normalize_email('email') }} as email_normalized,
        {{ email_domain(normalize_email('email')) }} as email_domain,
        jobtitle as title,
        company as company_name,
        country,
        lifecyclestage as lifecycle_stage,
        hs_lead_status as lead_status,
        hs_buying_role as buying_role,
        hs_analytics_source as lead_source,
        coalesce(createdate, created_at) as created_at,
        coalesce(lastmodifieddate, updated_at) as last_modified_at
    from latest

)

select * from renamed
