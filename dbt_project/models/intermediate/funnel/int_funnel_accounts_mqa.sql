-- One row per marketing-qualified account: the first moment (one of the account's marketing touches)
-- at which at least var mqa_min_engaged_persons persons of the account touched within var
-- mqa_window_days before it (both ends inclusive), one of them in a senior buying role (seed
-- senior_buying_roles, via the canonical roles of seed required_buying_roles).
{%- set window_days = var('mqa_window_days', 30) | int %}
{%- set min_persons = var('mqa_min_engaged_persons', 3) | int %}
with

touches as (

    select * from {{ ref('int_funnel_touches_filtered') }}
    where account_id is not null

),

persons as (

    select * from {{ ref('dim_persons') }}

),

role_names as (

    select * from {{ ref('required_buying_roles') }}

),

senior_roles as (

    select * from {{ ref('senior_buying_roles') }}

),

person_seniority as (

    select
        persons.person_id,
        senior_roles.buying_role is not null as is_senior
    from persons
    left join role_names
        on persons.buying_role = role_names.source_role_name
    left join senior_roles
        on role_names.buying_role = senior_roles.buying_role

),

moments as (

    select
        moments.account_id,
        moments.touchpoint_id,
        moments.touched_at as mqa_at,
        count(distinct window_touches.person_id) as engaged_person_count,
        count(distinct case when person_seniority.is_senior then window_touches.person_id end)
            as senior_person_count
    from touches as moments
    inner join touches as window_touches
        on
            moments.account_id = window_touches.account_id
            and moments.touched_at >= window_touches.touched_at
            and {{ dbt.dateadd('day', -1 * window_days, 'moments.touched_at') }} <= window_touches.touched_at
    left join person_seniority
        on window_touches.person_id = person_seniority.person_id
    group by moments.account_id, moments.touchpoint_id, moments.touched_at
    having
        count(distinct window_touches.person_id) >= {{ min_persons }}
        and count(distinct case when person_seniority.is_senior then window_touches.person_id end) >= 1

),

ranked as (

    select
        moments.account_id,
        moments.touchpoint_id,
        moments.engaged_person_count,
        moments.senior_person_count,
        moments.mqa_at,
        row_number() over (
            partition by moments.account_id
            order by moments.mqa_at, moments.touchpoint_id
        ) as moment_rank
    from moments

),

final as (

    select
        account_id,
        touchpoint_id,
        engaged_person_count,
        senior_person_count,
        mqa_at
    from ranked
    where moment_rank = 1

)

select * from final
