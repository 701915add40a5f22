{%- set as_of = as_of_date(var('as_of_date', '')) %}
{%- set stages = var('funnel_stages', ['known', 'engaged', 'sales_ready', 'opportunity', 'qualified', 'won']) %}
{%- set dq_statuses = var('funnel_lead_disqualified_statuses', ['Closed - Disqualified']) %}
{%- set null_string = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
with

persons as (

    select * from {{ ref('dim_persons') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

touches as (

    select * from {{ ref('int_funnel_touches_filtered') }}

),

sales_ready as (

    select * from {{ ref('int_funnel_persons_sales_ready') }}

),

mqa as (

    select * from {{ ref('int_funnel_accounts_mqa') }}

),

opportunities as (

    select * from {{ ref('int_funnel_opportunities_ranked') }}
    where opportunity_rank = 1

),

person_records as (

    select * from {{ ref('int_person_records') }}

),

leads as (

    select * from {{ ref('int_leads_unioned') }}

),

account_first_touches as (

    select
        account_id,
        touchpoint_id,
        touched_at,
        row_number() over (partition by account_id order by touched_at, touchpoint_id) as touch_rank
    from touches
    where account_id is not null

),

disqualified_leads as (

    select
        person_records.person_id,
        leads.lead_id,
        leads.disqualified_reason,
        leads.last_modified_at as disqualified_at,
        row_number() over (
            partition by person_records.person_id
            order by leads.last_modified_at, leads.lead_id
        ) as lead_rank
    from leads
    inner join person_records
        on
            person_records.record_type = 'lead'
            and leads.lead_id = person_records.record_id
    where leads.lead_status in ({% for s in dq_statuses %}'{{ s }}'{{ ", " if not loop.last }}{% endfor %})

),

events as (

    select
        'person' as entity_type,
        person_id as entity_id,
        person_id,
        account_id,
        'known' as funnel_stage,
        {{ null_string }} as opportunity_id,
        {{ null_string }} as touchpoint_id,
        {{ null_string }} as source_record_id,
        {{ null_string }} as event_reason,
        created_at as event_at
    from persons

    union all

    select
        'person' as entity_type,
        person_id as entity_id,
        person_id,
        account_id,
        'engaged' as funnel_stage,
        {{ null_string }} as opportunity_id,
        touchpoint_id,
        {{ null_string }} as source_record_id,
        channel as event_reason,
        touched_at as event_at
    from touches
    where person_touch_sequence = 1

    union all

    select
        'person' as entity_type,
        person_id as entity_id,
        person_id,
        account_id,
        'sales_ready' as funnel_stage,
        {{ null_string }} as opportunity_id,
        touchpoint_id,
        {{ null_string }} as source_record_id,
        sales_ready_reason as event_reason,
        sales_ready_at as event_at
    from sales_ready

    union all

    select
        'person' as entity_type,
        disqualified_leads.person_id as entity_id,
        disqualified_leads.person_id,
        persons.account_id,
        'disqualified' as funnel_stage,
        {{ null_string }} as opportunity_id,
        {{ null_string }} as touchpoint_id,
        disqualified_leads.lead_id as source_record_id,
        disqualified_leads.disqualified_reason as event_reason,
        disqualified_leads.disqualified_at as event_at
    from disqualified_leads
    inner join persons
        on disqualified_leads.person_id = persons.person_id
    where disqualified_leads.lead_rank = 1

    union all

    select
        'account' as entity_type,
        account_id as entity_id,
        {{ null_string }} as person_id,
        account_id,
        'known' as funnel_stage,
        {{ null_string }} as opportunity_id,
        {{ null_string }} as touchpoint_id,
        {{ null_string }} as source_record_id,
        {{ null_string }} as event_reason,
        created_at as event_at
    from accounts

    union all

    select
        'account' as entity_type,
        account_id as entity_id,
        {{ null_string }} as person_id,
        account_id,
        'engaged' as funnel_stage,
        {{ null_string }} as opportunity_id,
        touchpoint_id,
        {{ null_string }} as source_record_id,
        {{ null_string }} as event_reason,
        touched_at as event_at
    from account_first_touches
    where touch_rank = 1

    union all

    select
        'account' as entity_type,
        account_id as entity_id,
        {{ null_string }} as person_id,
        account_id,
        'sales_ready' as funnel_stage,
        {{ null_string }} as opportunity_id,
        touchpoint_id,
        {{ null_string }} as source_record_id,
        'marketing_qualified_account' as event_reason,
        mqa_at as event_at
    from mqa

    union all

    select
        entity_type,
        entity_id,
        person_id,
        account_id,
        'opportunity' as funnel_stage,
        opportunity_id,
        {{ null_string }} as touchpoint_id,
        opportunity_id as source_record_id,
        {{ null_string }} as event_reason,
        created_at as event_at
    from opportunities

    union all

    select
        entity_type,
        entity_id,
        person_id,
        account_id,
        'qualified' as funnel_stage,
        opportunity_id,
        {{ null_string }} as touchpoint_id,
        opportunity_id as source_record_id,
        {{ null_string }} as event_reason,
        first_qualified_at as event_at
    from opportunities
    where first_qualified_at is not null

    union all

    select
        entity_type,
        entity_id,
        person_id,
        account_id,
        case when is_won then 'won' else 'lost' end as funnel_stage,
        opportunity_id,
        {{ null_string }} as touchpoint_id,
        opportunity_id as source_record_id,
        loss_reason as event_reason,
        cast(close_date as {{ dbt.type_timestamp() }}) as event_at
    from opportunities
    where is_closed

    union all

    select
        opportunities.entity_type,
        opportunities.entity_id,
        opportunities.person_id,
        opportunities.account_id,
        'disqualified' as funnel_stage,
        opportunities.opportunity_id,
        {{ null_string }} as touchpoint_id,
        opportunities.opportunity_id as source_record_id,
        opportunities.loss_reason as event_reason,
        cast(opportunities.close_date as {{ dbt.type_timestamp() }}) as event_at
    from opportunities
    left join disqualified_leads
        on
            opportunities.person_id = disqualified_leads.person_id
            and disqualified_leads.lead_rank = 1
    where
        opportunities.is_disqualified
        and disqualified_leads.person_id is null

),

final as (

    select
        {{ dbt.hash("events.entity_type || '|' || events.entity_id || '|' || events.funnel_stage") }}
            as funnel_event_id,
        events.entity_type,
        events.entity_id,
        events.person_id,
        events.account_id,
        events.opportunity_id,
        events.touchpoint_id,
        events.source_record_id,
        events.funnel_stage,
        case
            {%- for s in stages %}
                when events.funnel_stage = '{{ s }}' then {{ loop.index }}
            {%- endfor %}
            when events.funnel_stage = 'lost' then {{ stages | length }}
        end as stage_order,
        events.funnel_stage in ('lost', 'disqualified') as is_exit_stage,
        events.event_reason,
        events.event_at,
        cast(events.event_at as date) as event_date
    from events
    where cast(events.event_at as date) <= {{ as_of }}

)

select * from final
