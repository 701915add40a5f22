{%- set as_of = as_of_date(var('as_of_date', '')) %}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

opportunity_contacts as (

    select * from {{ ref('fct_opportunity_contacts') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

touches as (

    select * from {{ ref('int_funnel_touches_filtered') }}

),

role_names as (

    select * from {{ ref('required_buying_roles') }}

),

canonical_roles as (

    select
        buying_role,
        min(role_order) as role_order,
        {{ dbt.bool_or('is_required') }} as is_required
    from role_names
    group by buying_role

),

buying_groups as (

    select
        'opportunity' as entity_type,
        opportunity_id as entity_id,
        opportunity_id,
        account_id,
        cast({{ dbt.dateadd('day', -1 * (var('attribution_lookback_days', 365) | int), 'created_at') }} as date)
            as window_start_date,
        case when is_closed then close_date else {{ as_of }} end as window_end_date
    from opportunities

    union all

    select
        'account' as entity_type,
        account_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as opportunity_id,
        account_id,
        cast({{ dbt.dateadd('day', -1 * (var('buying_group_window_days', 90) | int), as_of) }} as date)
            as window_start_date,
        {{ as_of }} as window_end_date
    from accounts

),

members as (

    select
        'opportunity' as entity_type,
        opportunity_contacts.opportunity_id as entity_id,
        opportunity_contacts.person_id,
        opportunity_contacts.contact_role as source_role_name
    from opportunity_contacts

    union all

    select
        'opportunity' as entity_type,
        opportunity_contacts.opportunity_id as entity_id,
        opportunity_contacts.person_id,
        opportunity_contacts.buying_role as source_role_name
    from opportunity_contacts

    union all

    select
        'account' as entity_type,
        account_id as entity_id,
        person_id,
        buying_role as source_role_name
    from persons
    where account_id is not null

),

engaged_members as (

    select distinct
        members.entity_type,
        members.entity_id,
        members.person_id
    from members
    inner join buying_groups
        on
            members.entity_type = buying_groups.entity_type
            and members.entity_id = buying_groups.entity_id
    inner join touches
        on members.person_id = touches.person_id
    where
        cast(touches.touched_at as date) >= buying_groups.window_start_date
        and cast(touches.touched_at as date) <= buying_groups.window_end_date

),

role_members as (

    -- opportunities: every contact's role counts (the CRM says they take part); accounts: engaged persons only
    select
        members.entity_type,
        members.entity_id,
        members.source_role_name
    from members
    where members.entity_type = 'opportunity'

    union all

    select
        members.entity_type,
        members.entity_id,
        members.source_role_name
    from members
    inner join engaged_members
        on
            members.entity_type = engaged_members.entity_type
            and members.entity_id = engaged_members.entity_id
            and members.person_id = engaged_members.person_id
    where members.entity_type = 'account'

),

covered as (

    select distinct
        role_members.entity_type,
        role_members.entity_id,
        canonical_roles.buying_role,
        canonical_roles.role_order,
        canonical_roles.is_required
    from role_members
    inner join role_names
        on role_members.source_role_name = role_names.source_role_name
    inner join canonical_roles
        on role_names.buying_role = canonical_roles.buying_role

),

missing as (

    select
        buying_groups.entity_type,
        buying_groups.entity_id,
        canonical_roles.buying_role,
        canonical_roles.role_order
    from buying_groups
    cross join canonical_roles
    left join covered
        on
            buying_groups.entity_type = covered.entity_type
            and buying_groups.entity_id = covered.entity_id
            and canonical_roles.buying_role = covered.buying_role
    where
        canonical_roles.is_required
        and covered.buying_role is null

),

covered_summary as (

    select
        entity_type,
        entity_id,
        {{ dbt.listagg('buying_role', "', '", 'order by role_order, buying_role') }} as covered_roles,
        count(*) as covered_role_count,
        sum(case when is_required then 1 else 0 end) as covered_required_role_count
    from covered
    group by entity_type, entity_id

),

missing_summary as (

    select
        entity_type,
        entity_id,
        {{ dbt.listagg('buying_role', "', '", 'order by role_order, buying_role') }} as missing_required_roles
    from missing
    group by entity_type, entity_id

),

member_counts as (

    select
        entity_type,
        entity_id,
        count(distinct person_id) as member_person_count
    from members
    group by entity_type, entity_id

),

engaged_counts as (

    select
        entity_type,
        entity_id,
        count(*) as engaged_person_count
    from engaged_members
    group by entity_type, entity_id

),

required_count as (

    select count(*) as required_role_count
    from canonical_roles
    where is_required

),

final as (

    select
        {{ dbt.hash("buying_groups.entity_type || '|' || buying_groups.entity_id") }} as buying_group_id,
        buying_groups.entity_type,
        buying_groups.entity_id,
        buying_groups.opportunity_id,
        buying_groups.account_id,
        covered_summary.covered_roles,
        missing_summary.missing_required_roles,
        missing_summary.missing_required_roles is null as is_complete,
        coalesce(member_counts.member_person_count, 0) as member_person_count,
        coalesce(engaged_counts.engaged_person_count, 0) as engaged_person_count,
        coalesce(covered_summary.covered_role_count, 0) as covered_role_count,
        coalesce(covered_summary.covered_required_role_count, 0) as covered_required_role_count,
        required_count.required_role_count,
        cast(
            case
                when required_count.required_role_count = 0 then 1.0
                else 1.0 * coalesce(covered_summary.covered_required_role_count, 0) / required_count.required_role_count
            end as {{ type_double() }}
        ) as role_completeness,
        buying_groups.window_start_date,
        buying_groups.window_end_date
    from buying_groups
    cross join required_count
    {% for summary in ['covered_summary', 'missing_summary', 'member_counts', 'engaged_counts'] -%}
        left join {{ summary }}
            on
                buying_groups.entity_type = {{ summary }}.entity_type
                and buying_groups.entity_id = {{ summary }}.entity_id
    {% endfor %}

)

select * from final
