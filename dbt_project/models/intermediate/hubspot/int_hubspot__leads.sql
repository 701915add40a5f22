{{ config(enabled=var('hubspot_enabled', false)) }}
-- HubSpot contacts that are leads (record_type 'lead' in int_hubspot__person_records: a lead status and
-- no company) in the CRM leads contract (the columns of stg_salesforce__leads). HubSpot has no lead
-- conversion: a lead becomes a customer contact in place, so the conversion columns are null/false.
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}
    where lead_status is not null and company_id is null

),

final as (

    select
        contact_id as lead_id,
        cast(null as {{ dbt.type_string() }}) as converted_account_id,
        cast(null as {{ dbt.type_string() }}) as converted_contact_id,
        cast(null as {{ dbt.type_string() }}) as converted_opportunity_id,
        owner_id,
        trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) as lead_name,
        first_name,
        last_name,
        email,
        email_normalized,
        email_domain,
        company_name,
        title,
        cast(null as {{ dbt.type_string() }}) as website,
        cast(null as {{ dbt.type_string() }}) as website_domain,
        country,
        lead_status,
        lead_source,
        cast(null as {{ dbt.type_string() }}) as disqualified_reason,
        false as is_converted,
        cast(null as date) as converted_date,
        created_at,
        last_modified_at,
        last_modified_at as system_modified_at,
        source_system
    from contacts

)

select * from final
