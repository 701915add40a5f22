-- One row per (opportunity, touchpoint) that can earn attribution credit: marketing touches of the
-- opportunity's contacts (fct_opportunity_contacts: contact roles and inferred persons) from
-- var attribution_lookback_days before opportunity creation up to the close milestone (the close date of
-- a closed opportunity, as_of_date for an open one). Touches up to creation feed the pipeline models;
-- the later ones only the full-path model. is_high_intent comes from seed touch_intent.
-- Sales-ready moment of an opportunity (int_funnel_persons_sales_ready, seed sales_ready_definition): the
-- earliest moment one of its contacts became sales-ready within the same window (lookback before
-- creation up to creation); is_sales_ready_moment_touch marks the funnel touch of that moment.
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

sales_ready_persons as (

    select * from {{ ref('int_funnel_persons_sales_ready') }}

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

contact_sales_ready as (

    select
        milestones.opportunity_id,
        sales_ready_persons.touchpoint_id,
        sales_ready_persons.sales_ready_at,
        min(sales_ready_persons.sales_ready_at) over (
            partition by milestones.opportunity_id
        ) as opportunity_sales_ready_at
    from milestones
    inner join opportunity_contacts
        on milestones.opportunity_id = opportunity_contacts.opportunity_id
    inner join sales_ready_persons
        on opportunity_contacts.person_id = sales_ready_persons.person_id
    where
        sales_ready_persons.sales_ready_at <= milestones.created_at
        and sales_ready_persons.sales_ready_at >= {{ dbt.dateadd('day', -lookback_days, 'milestones.created_at') }}

),

opportunity_sales_ready as (

    select
        opportunity_id,
        min(opportunity_sales_ready_at) as sales_ready_at
    from contact_sales_ready
    group by opportunity_id

),

sales_ready_moment_touches as (

    select distinct
        opportunity_id,
        touchpoint_id
    from contact_sales_ready
    where sales_ready_at = opportunity_sales_ready_at

),

final as (

    select
        milestones.opportunity_id,
        touchpoints.touchpoint_id,
        touchpoints.person_id,
        opportunity_contacts.is_inferred as is_contact_inferred,
        high_intent_touches.touchpoint_id is not null as is_high_intent,
        opportunity_sales_ready.sales_ready_at as opportunity_sales_ready_at,
        sales_ready_moment_touches.touchpoint_id is not null as is_sales_ready_moment_touch,
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
    left join opportunity_sales_ready
        on milestones.opportunity_id = opportunity_sales_ready.opportunity_id
    left join sales_ready_moment_touches
        on
            milestones.opportunity_id = sales_ready_moment_touches.opportunity_id
            and touchpoints.touchpoint_id = sales_ready_moment_touches.touchpoint_id
    where
        touchpoints.touched_at >= {{ dbt.dateadd('day', -lookback_days, 'milestones.created_at') }}
        and (
            touchpoints.touched_at <= milestones.created_at
            or touchpoints.touched_date <= milestones.close_milestone_date
        )

)

select * from final
