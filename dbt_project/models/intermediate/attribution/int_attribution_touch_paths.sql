-- One row per (opportunity, touchpoint) that can earn attribution credit: marketing touches of the
-- opportunity's contacts (fct_opportunity_contacts: contact roles and inferred persons) from
-- var attribution_lookback_days before opportunity creation up to the close milestone (the close date of
-- a closed opportunity, as_of_date for an open one). Touches up to creation feed the pipeline models;
-- the later ones only the full-path model. is_high_intent comes from seed touch_intent.
{%- set lookback_days = var('attribution_lookback_days', 365) | int %}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

opportunity_contacts as (

    select * from {{ ref('fct_opportunity_contacts') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    where is_marketing_touch

),

touch_intent as (

    select * from {{ ref('touch_intent') }}
    where is_high_intent

),

high_intent_touches as (

    select distinct touchpoints.touchpoint_id
    from touchpoints
    inner join touch_intent
        on
            touchpoints.source_system = touch_intent.source_system
            and touchpoints.campaign_type = touch_intent.campaign_type
            and (
                touch_intent.touch_detail is null
                or touch_intent.touch_detail = ''
                or touchpoints.touch_detail = touch_intent.touch_detail
            )

),

milestones as (

    select
        opportunity_id,
        created_at,
        cast(created_at as date) as created_date,
        case
            when is_closed then close_date
            else {{ as_of_date(var('as_of_date', '')) }}
        end as close_milestone_date
    from opportunities

),

final as (

    select
        milestones.opportunity_id,
        touchpoints.touchpoint_id,
        touchpoints.person_id,
        opportunity_contacts.is_inferred as is_contact_inferred,
        high_intent_touches.touchpoint_id is not null as is_high_intent,
        touchpoints.touched_at <= milestones.created_at as is_before_creation,
        {{ dbt.datediff('touchpoints.touched_date', 'milestones.created_date', 'day') }} as days_before_creation,
        {{ dbt.datediff('touchpoints.touched_date', 'milestones.close_milestone_date', 'day') }} as days_before_close,
        touchpoints.touched_at,
        milestones.created_at as opportunity_created_at,
        milestones.close_milestone_date
    from milestones
    inner join opportunity_contacts
        on milestones.opportunity_id = opportunity_contacts.opportunity_id
    inner join touchpoints
        on opportunity_contacts.person_id = touchpoints.person_id
    left join high_intent_touches
        on touchpoints.touchpoint_id = high_intent_touches.touchpoint_id
    where
        touchpoints.touched_at >= {{ dbt.dateadd('day', -lookback_days, 'milestones.created_at') }}
        and (
            touchpoints.touched_at <= milestones.created_at
            or touchpoints.touched_date <= milestones.close_milestone_date
        )

)

select * from final
