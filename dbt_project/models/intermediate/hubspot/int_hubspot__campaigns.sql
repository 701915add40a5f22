{{ config(enabled=var('hubspot_enabled', false)) }}
-- HubSpot marketing campaigns in the campaigns contract (int_campaigns_unioned). campaign_type is the
-- campaign's audience property (what the portal uses to classify campaigns; seed channel_mapping maps it
-- with source_system 'hubspot'). HubSpot's campaign API read here carries the budget, not the actual
-- cost: actual_cost is null (spend comes from the ad platforms and seed sales_and_marketing_costs).
with

campaigns as (

    select * from {{ ref('stg_hubspot__campaigns') }}

),

final as (

    select
        campaign_id,
        source_system,
        campaign_name,
        campaign_type,
        campaign_status,
        currency_code,
        cast(null as decimal(18, 2)) as actual_cost,
        budget_amount as budgeted_cost,
        start_date,
        end_date,
        created_at,
        last_modified_at,
        cast(null as {{ dbt.type_string() }}) as linked_salesforce_campaign_id
    from campaigns

)

select * from final
