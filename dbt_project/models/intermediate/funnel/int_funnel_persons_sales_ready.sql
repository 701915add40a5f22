-- One row per person who became sales-ready (seed sales_ready_definition): the first moment fit and
-- intent both hold. Fit (the account's ICP fit) is an attribute, so the moment is the first intent:
-- the person's first high-intent touch, or the first of the person's account's touches at which at
-- least buying_group_min_engaged_persons persons (the person among them) touched within
-- engagement_window_days (both ends inclusive).
with

definition as (

    select * from {{ ref('sales_ready_definition') }}

),

touches as (

    select * from {{ ref('int_funnel_touches_filtered') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

first_intent_touches as (

    select
        person_id,
        touchpoint_id,
        touched_at,
        row_number() over (partition by person_id order by touched_at, touchpoint_id) as intent_rank
    from touches
    where is_high_intent

),

account_touches as (

    select * from touches
    where account_id is not null

),

group_moments as (

    select
        moments.account_id,
        moments.touchpoint_id,
        moments.touched_at as moment_at,
        {{ dbt.dateadd('day', '-1 * definition.engagement_window_days', 'moments.touched_at') }} as window_start_at
    from account_touches as moments
    cross join definition
    inner join account_touches as window_touches
        on
            moments.account_id = window_touches.account_id
            and moments.touched_at >= window_touches.touched_at
            and {{ dbt.dateadd('day', '-1 * definition.engagement_window_days', 'moments.touched_at') }}
            <= window_touches.touched_at
    where definition.intent_from_buying_group
    group by
        moments.account_id,
        moments.touchpoint_id,
        moments.touched_at,
        definition.engagement_window_days,
        definition.buying_group_min_engaged_persons
    having count(distinct window_touches.person_id) >= definition.buying_group_min_engaged_persons

),

group_members as (

    select
        members.person_id,
        group_moments.touchpoint_id,
        group_moments.moment_at,
        row_number() over (
            partition by members.person_id
            order by group_moments.moment_at, group_moments.touchpoint_id
        ) as moment_rank
    from group_moments
    inner join account_touches as members
        on
            group_moments.account_id = members.account_id
            and group_moments.moment_at >= members.touched_at
            and group_moments.window_start_at <= members.touched_at

),

candidates as (

    select
        first_intent_touches.person_id,
        first_intent_touches.touchpoint_id,
        'high_intent_touch' as sales_ready_reason,
        first_intent_touches.touched_at as sales_ready_at
    from first_intent_touches
    cross join definition
    where
        first_intent_touches.intent_rank = 1
        and definition.intent_from_high_intent_touch

    union all

    select
        person_id,
        touchpoint_id,
        'engaged_buying_group' as sales_ready_reason,
        moment_at as sales_ready_at
    from group_members
    where moment_rank = 1

),

fitting as (

    select
        candidates.person_id,
        persons.account_id,
        candidates.touchpoint_id,
        candidates.sales_ready_reason,
        candidates.sales_ready_at,
        row_number() over (
            partition by candidates.person_id
            order by candidates.sales_ready_at asc, candidates.sales_ready_reason desc
        ) as candidate_rank
    from candidates
    cross join definition
    inner join persons
        on candidates.person_id = persons.person_id
    left join accounts
        on persons.account_id = accounts.account_id
    where
        not definition.requires_icp_fit
        or coalesce(accounts.is_icp_fit, false)

),

final as (

    select
        person_id,
        account_id,
        touchpoint_id,
        sales_ready_reason,
        sales_ready_at
    from fitting
    where candidate_rank = 1

)

select * from final
