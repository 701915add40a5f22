with

campaigns as (

    select * from {{ ref('int_campaigns_costed') }}

),

final as (

    select
        campaign_id,
        parent_campaign_id,
        owner_id,
        source_system,
        campaign_name,
        campaign_type,
        campaign_status,
        channel,
        channel_group,
        demand_type,
        currency_code,
        is_active,
        budgeted_cost,
        actual_cost,
        cast(actual_cost_reporting_exact as decimal(18, 2)) as actual_cost_reporting,
        start_date,
        end_date,
        created_at
    from campaigns

)

select * from final
