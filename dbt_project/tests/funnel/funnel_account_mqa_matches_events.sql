-- fct_account_funnel and fct_funnel_events agree on which accounts are marketing-qualified and when.
with

account_funnel as (

    select * from {{ ref('fct_account_funnel') }}
    where is_mqa

),

events as (

    select * from {{ ref('fct_funnel_events') }}
    where
        entity_type = 'account'
        and funnel_stage = 'sales_ready'

)

select
    coalesce(account_funnel.account_id, events.entity_id) as account_id,
    account_funnel.mqa_at,
    events.event_at
from account_funnel
full outer join events
    on account_funnel.account_id = events.entity_id
where
    account_funnel.account_id is null
    or events.entity_id is null
    or account_funnel.mqa_at <> events.event_at
