-- Marketing touches up to as_of_date with the person's account, whether the touch is high intent (seed
-- touch_intent: an empty touch_detail matches every detail) and a per-person sequence number.
{%- set as_of = as_of_date(var('as_of_date', '')) %}
with

touches as (

    select * from {{ ref('fct_touchpoints') }}

),

touch_intent as (

    select * from {{ ref('touch_intent') }}

),

marketing_touches as (

    select *
    from touches
    where
        is_marketing_touch
        and touched_date <= {{ as_of }}

),

intent_matches as (

    select
        marketing_touches.touchpoint_id,
        {{ dbt.bool_or('touch_intent.is_high_intent') }} as is_high_intent
    from marketing_touches
    inner join touch_intent
        on
            marketing_touches.source_system = touch_intent.source_system
            and marketing_touches.campaign_type = touch_intent.campaign_type
            and (
                touch_intent.touch_detail is null
                or touch_intent.touch_detail = ''
                or marketing_touches.touch_detail = touch_intent.touch_detail
            )
    group by marketing_touches.touchpoint_id

),

final as (

    select
        marketing_touches.touchpoint_id,
        marketing_touches.person_id,
        marketing_touches.account_id,
        marketing_touches.campaign_id,
        marketing_touches.source_system,
        marketing_touches.campaign_type,
        marketing_touches.touch_detail,
        marketing_touches.channel,
        coalesce(intent_matches.is_high_intent, false) as is_high_intent,
        row_number() over (
            partition by marketing_touches.person_id
            order by marketing_touches.touched_at, marketing_touches.touchpoint_id
        ) as person_touch_sequence,
        marketing_touches.touched_at
    from marketing_touches
    left join intent_matches
        on marketing_touches.touchpoint_id = intent_matches.touchpoint_id

)

select * from final
