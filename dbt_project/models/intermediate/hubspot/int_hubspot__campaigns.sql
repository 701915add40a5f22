{{ config(enabled=var('hubspot_enabled', false)) }}
-- HubSpot marketing campaigns in the campaigns contract (int_campaigns_unioned). campaign_type is the
-- campaign's audience property (what the portal uses to classify campaigns; seed channel_mapping maps it
-- with source_system 'hubspot'). actual_cost = the sum of the campaign's live spend items
-- (stg_hubspot__campaign_spend_items; quarantined amounts count nowhere), null when it has none, so the
-- data-quality layer lists it; budgeted_cost = the sum of its budget items (hs_budget_items_sum_amount).
-- Spend items carry no spend date: int_spend_daily spreads actual_cost over the campaign's days like a
-- CRM campaign's actual cost. Currency: the campaign's (budget/totals currencyCode is the same).
with

campaigns as (

    select * from {{ ref('stg_hubspot__campaigns') }}

),

spend_items as (

    select * from {{ ref('stg_hubspot__campaign_spend_items') }}

),

spend as (

    select
        campaign_id,
        max(currency_code) as currency_code,
        sum(spend_amount) as actual_cost
    from spend_items
    where quarantine_reason is null
    group by campaign_id

),

final as (

    select
        campaigns.campaign_id,
        campaigns.source_system,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.campaign_status,
        coalesce(campaigns.currency_code, spend.currency_code) as currency_code,
        cast(spend.actual_cost as decimal(18, 2)) as actual_cost,
        campaigns.budget_amount as budgeted_cost,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.created_at,
        campaigns.last_modified_at,
        cast(null as {{ dbt.type_string() }}) as linked_salesforce_campaign_id
    from campaigns
    left join spend
        on campaigns.campaign_id = spend.campaign_id

)

select * from final
