{{ config(enabled=var('hubspot_enabled', false)) }}
-- HubSpot owners in the CRM users contract (the columns of stg_salesforce__users).
with

owners as (

    select * from {{ ref('stg_hubspot__owners') }}

),

final as (

    select
        owner_id as user_id,
        email as username,
        owner_name as user_name,
        first_name,
        last_name,
        email,
        cast(null as {{ dbt.type_string() }}) as title,
        cast(null as {{ dbt.type_string() }}) as department,
        is_active,
        created_at,
        last_modified_at,
        last_modified_at as system_modified_at,
        source_system
    from owners

)

select * from final
