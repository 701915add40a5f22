-- One row per opportunity classified as demand creation or demand harvest by the demand_type (seed
-- channel_mapping) of its first touch: the earliest eligible touch before creation (same window and
-- order as attribution, int_attribution_touch_paths). Opportunities without such a touch, or whose
-- first touch has no mapped channel, have a null demand_type.
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

touch_paths as (

    select * from {{ ref('int_attribution_touch_paths') }}
    where is_before_creation

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

first_touches as (

    select
        opportunity_id,
        touchpoint_id,
        row_number() over (partition by opportunity_id order by touched_at, touchpoint_id) as touch_rank
    from touch_paths

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        first_touches.touchpoint_id as first_touchpoint_id,
        touchpoints.campaign_id as first_touch_campaign_id,
        touchpoints.channel as first_touch_channel,
        touchpoints.channel_group as first_touch_channel_group,
        touchpoints.demand_type,
        opportunities.opportunity_type,
        first_touches.touchpoint_id is not null as has_first_touch,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.amount_reporting as pipeline_amount,
        case when opportunities.is_won then opportunities.amount_reporting else 0 end as won_amount,
        touchpoints.touched_at as first_touched_at,
        opportunities.created_at,
        opportunities.close_date
    from opportunities
    left join first_touches
        on
            opportunities.opportunity_id = first_touches.opportunity_id
            and first_touches.touch_rank = 1
    left join touchpoints
        on first_touches.touchpoint_id = touchpoints.touchpoint_id

)

select * from final
