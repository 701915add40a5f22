{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}
-- HubSpot dealstage history (propertiesWithHistory) in the opportunity history contract (the columns of
-- stg_salesforce__opportunity_history): one row per recorded change; int_opportunity_stage_history
-- keeps the entries (a value differing from the previous one).
with

history as (

    select * from {{ ref('stg_hubspot__deal_stage_history') }}
    where deal_stage_id is not null

),

final as (

    select
        {{ dbt.hash("deal_id || '|' || deal_stage_id || '|' || cast(changed_at as " ~ dbt.type_string() ~ ")") }}
            as opportunity_history_id,
        deal_id as opportunity_id,
        updated_by_user_id as created_by_id,
        deal_stage_id as stage_name,
        cast(null as {{ dbt.type_string() }}) as forecast_category,
        cast(null as decimal(18, 2)) as amount,
        cast(null as decimal(18, 2)) as expected_revenue,
        cast(null as {{ type_double() }}) as probability,
        cast(null as date) as close_date,
        changed_at as created_at,
        changed_at as system_modified_at
    from history

)

select * from final
