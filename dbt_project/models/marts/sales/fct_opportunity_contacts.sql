-- The bridge between persons and opportunities: CRM contact roles first, then (is_inferred) persons
-- of the opportunity's account with a marketing touch between lookback days before creation and the
-- close date (today for open opportunities). A person with a contact role is never also inferred.
-- var infer_opportunity_contacts: 'always' | 'when_no_roles' | 'never'.
{%- set infer = var('infer_opportunity_contacts', 'always') %}
{%- set lookback_days = var('attribution_lookback_days', 365) | int %}
{{ check_choice('infer_opportunity_contacts', infer, ['always', 'when_no_roles', 'never']) }}
with

roles as (

    select * from {{ ref('int_opportunity_contact_roles_unioned') }}

),

person_records as (

    select * from {{ ref('int_person_records') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

touches as (

    select * from {{ ref('int_touchpoints_unioned') }}
    where is_marketing_touch

),

role_contacts as (

    select
        roles.opportunity_id,
        person_records.person_id,
        min(roles.contact_role) as contact_role,
        {{ dbt.bool_or('roles.is_primary') }} as is_primary
    from roles
    inner join opportunities
        on roles.opportunity_id = opportunities.opportunity_id
    inner join person_records
        on roles.contact_id = person_records.record_id
    group by roles.opportunity_id, person_records.person_id

),

inferred_contacts as (

    select
        opportunities.opportunity_id,
        persons.person_id
    from opportunities
    inner join persons
        on opportunities.account_id = persons.account_id
    inner join touches
        on persons.person_id = touches.person_id
    left join role_contacts
        on
            opportunities.opportunity_id = role_contacts.opportunity_id
            and persons.person_id = role_contacts.person_id
    where
        role_contacts.person_id is null
        {%- if infer == 'never' %}
            and false
        {%- elif infer == 'when_no_roles' %}
            and not opportunities.has_contact_role
        {%- endif %}
        and touches.touched_at >= {{ dbt.dateadd('day', -lookback_days, 'opportunities.created_at') }}
        and cast(touches.touched_at as date) <= case
            when opportunities.is_closed then opportunities.close_date
            else {{ as_of_date(var('as_of_date', '')) }}
        end
    group by opportunities.opportunity_id, persons.person_id

),

unioned as (

    select
        opportunity_id,
        person_id,
        contact_role,
        is_primary,
        false as is_inferred
    from role_contacts

    union all

    select
        opportunity_id,
        person_id,
        cast(null as {{ dbt.type_string() }}) as contact_role,
        false as is_primary,
        true as is_inferred
    from inferred_contacts

),

final as (

    select
        {{ dbt.hash("unioned.opportunity_id || '|' || unioned.person_id") }} as opportunity_contact_id,
        unioned.opportunity_id,
        unioned.person_id,
        persons.account_id,
        unioned.contact_role,
        persons.buying_role,
        unioned.is_primary,
        unioned.is_inferred
    from unioned
    left join persons
        on unioned.person_id = persons.person_id

)

select * from final
