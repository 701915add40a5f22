-- Funnel opportunities (int_funnel_opportunities_filtered) per person (through fct_opportunity_contacts:
-- contact roles and inferred contacts) and per account, ranked by creation (then id) so rank 1 is the
-- entity's first opportunity.
with

funnel_opportunities as (

    select * from {{ ref('int_funnel_opportunities_filtered') }}

),

contacts as (

    select * from {{ ref('fct_opportunity_contacts') }}

),

person_opportunities as (

    select
        'person' as entity_type,
        contacts.person_id as entity_id,
        contacts.person_id,
        funnel_opportunities.*
    from funnel_opportunities
    inner join contacts
        on funnel_opportunities.opportunity_id = contacts.opportunity_id

),

account_opportunities as (

    select
        'account' as entity_type,
        funnel_opportunities.account_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as person_id,
        funnel_opportunities.*
    from funnel_opportunities
    where funnel_opportunities.account_id is not null

),

unioned as (

    select * from person_opportunities
    union all
    select * from account_opportunities

),

final as (

    select
        unioned.*,
        row_number() over (
            partition by unioned.entity_type, unioned.entity_id
            order by unioned.created_at, unioned.opportunity_id
        ) as opportunity_rank
    from unioned

)

select * from final
