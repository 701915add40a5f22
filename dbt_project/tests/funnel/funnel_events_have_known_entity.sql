-- Every entity with a funnel event is known (has a 'known' event): no stage without the entity existing.
with

events as (

    select * from {{ ref('fct_funnel_events') }}

),

known as (

    select
        entity_type,
        entity_id
    from events
    where funnel_stage = 'known'

)

select
    events.entity_type,
    events.entity_id,
    events.funnel_stage
from events
left join known
    on
        events.entity_type = known.entity_type
        and events.entity_id = known.entity_id
where known.entity_id is null
