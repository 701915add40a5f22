{%- set as_of = as_of_date(var('as_of_date', '')) %}
{%- set dq_statuses = var('funnel_lead_disqualified_statuses', ['Closed - Disqualified']) %}
with

leads as (

    select * from {{ ref('int_leads_unioned') }}

),

person_records as (

    select * from {{ ref('int_person_records') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

opportunities as (

    select * from {{ ref('int_funnel_opportunities_filtered') }}

),

opportunity_contacts as (

    select * from {{ ref('fct_opportunity_contacts') }}

),

touches as (

    select * from {{ ref('int_funnel_touches_filtered') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

person_first_touches as (

    select * from touches
    where person_touch_sequence = 1

),

opportunity_first_touches as (

    select
        opportunity_contacts.opportunity_id,
        touches.campaign_id,
        row_number() over (
            partition by opportunity_contacts.opportunity_id
            order by touches.touched_at, touches.touchpoint_id
        ) as touch_rank
    from opportunity_contacts
    inner join opportunities
        on opportunity_contacts.opportunity_id = opportunities.opportunity_id
    inner join touches
        on
            opportunity_contacts.person_id = touches.person_id
            and opportunities.created_at >= touches.touched_at

),

lead_disqualifications as (

    select
        'lead' as object_type,
        leads.lead_id as source_record_id,
        person_records.person_id,
        persons.account_id,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        person_first_touches.campaign_id,
        case when person_first_touches.campaign_id is not null then 'first_touch' end as campaign_source,
        leads.lead_source,
        leads.disqualified_reason,
        leads.created_at,
        leads.last_modified_at as disqualified_at
    from leads
    inner join person_records
        on
            person_records.record_type = 'lead'
            and leads.lead_id = person_records.record_id
    left join persons
        on person_records.person_id = persons.person_id
    left join person_first_touches
        on person_records.person_id = person_first_touches.person_id
    where leads.lead_status in ({% for s in dq_statuses %}'{{ s }}'{{ ", " if not loop.last }}{% endfor %})

),

opportunity_disqualifications as (

    select
        'opportunity' as object_type,
        opportunities.opportunity_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as person_id,
        opportunities.account_id,
        opportunities.opportunity_id,
        coalesce(opportunities.primary_campaign_id, opportunity_first_touches.campaign_id) as campaign_id,
        case
            when opportunities.primary_campaign_id is not null then 'primary_campaign'
            when opportunity_first_touches.campaign_id is not null then 'first_touch'
        end as campaign_source,
        opportunities.lead_source,
        opportunities.loss_reason as disqualified_reason,
        opportunities.created_at,
        cast(opportunities.close_date as {{ dbt.type_timestamp() }}) as disqualified_at
    from opportunities
    left join opportunity_first_touches
        on
            opportunities.opportunity_id = opportunity_first_touches.opportunity_id
            and opportunity_first_touches.touch_rank = 1
    where opportunities.is_disqualified

),

unioned as (

    select * from lead_disqualifications
    union all
    select * from opportunity_disqualifications

),

final as (

    select
        unioned.object_type || ':' || unioned.source_record_id as disqualification_id,
        unioned.object_type,
        unioned.source_record_id,
        unioned.person_id,
        unioned.account_id,
        unioned.opportunity_id,
        unioned.campaign_id,
        unioned.campaign_source,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.channel,
        unioned.lead_source,
        unioned.disqualified_reason,
        {{ dbt.datediff('cast(unioned.created_at as date)', 'cast(unioned.disqualified_at as date)', 'day') }}
            as days_to_disqualify,
        unioned.created_at,
        unioned.disqualified_at,
        cast(unioned.disqualified_at as date) as disqualified_date
    from unioned
    left join campaigns
        on unioned.campaign_id = campaigns.campaign_id
    where cast(unioned.disqualified_at as date) <= {{ as_of }}

)

select * from final
