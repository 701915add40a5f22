-- One row per (opportunity, touchpoint, attribution model): the touch's share of the opportunity's
-- pipeline and won revenue under each model of seed attribution_weights (see int_attribution_credited).
-- Opportunities without an eligible touch have no rows (flagged by the data-quality layer).
with

credited as (

    select * from {{ ref('int_attribution_credited') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

final as (

    select
        {{ dbt.hash("credited.opportunity_id || '|' || credited.touchpoint_id || '|' || credited.attribution_model") }}
            as attribution_id,
        credited.opportunity_id,
        credited.touchpoint_id,
        credited.attribution_model,
        credited.person_id,
        opportunities.account_id,
        touchpoints.campaign_id,
        touchpoints.source_system,
        touchpoints.touch_type,
        touchpoints.channel,
        touchpoints.channel_group,
        touchpoints.demand_type,
        opportunities.opportunity_type,
        credited.milestone,
        opportunities.is_won,
        credited.is_contact_inferred,
        credited.is_high_intent,
        credited.is_before_creation as is_sourced,
        credited.days_before_close >= 0 as is_influenced,
        credited.is_first_touch,
        credited.is_sales_ready_touch,
        credited.is_opportunity_creation_touch,
        credited.is_closing_touch,
        credited.path_position,
        credited.path_touch_count,
        credited.pre_creation_touch_count,
        credited.days_before_creation,
        credited.days_before_close,
        credited.credit,
        credited.credit * cast(opportunities.amount_reporting as {{ type_double() }}) as attributed_pipeline_amount,
        case
            when opportunities.is_won then credited.credit * cast(opportunities.amount_reporting as {{ type_double() }}) else 0
        end as attributed_revenue_amount,
        credited.touched_at,
        touchpoints.touched_date,
        credited.opportunity_created_at,
        opportunities.close_date
    from credited
    inner join opportunities
        on credited.opportunity_id = opportunities.opportunity_id
    inner join touchpoints
        on credited.touchpoint_id = touchpoints.touchpoint_id

)

select * from final
