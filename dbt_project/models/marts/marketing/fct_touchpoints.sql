with

touches as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

channels as (

    select * from {{ ref('channel_mapping') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

final as (

    select
        touches.touchpoint_id,
        touches.person_id,
        persons.account_id,
        touches.campaign_id,
        touches.source_system,
        touches.source_record_id,
        touches.touch_type,
        touches.touch_detail,
        touches.campaign_type,
        channels.channel,
        channels.channel_group,
        channels.demand_type,
        touches.is_marketing_touch,
        touches.touched_at,
        cast(touches.touched_at as date) as touched_date
    from touches
    left join channels
        on
            touches.source_system = channels.source_system
            and touches.campaign_type = channels.campaign_type
    left join persons
        on touches.person_id = persons.person_id

)

select * from final
