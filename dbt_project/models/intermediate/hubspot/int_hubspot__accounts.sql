{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}
-- HubSpot companies in the CRM accounts contract (the columns of stg_salesforce__accounts).
-- HubSpot keeps no website URL, billing address or account currency: those columns are null.
with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

final as (

    select
        company_id as account_id,
        owner_id,
        cast(null as {{ dbt.type_string() }}) as parent_account_id,
        company_name as account_name,
        company_type as account_type,
        industry,
        cast(null as {{ dbt.type_string() }}) as website,
        website_domain,
        city as billing_city,
        country as billing_country,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        number_of_employees,
        annual_revenue,
        created_at,
        last_modified_at,
        last_modified_at as system_modified_at,
        source_system
    from companies

)

select * from final
