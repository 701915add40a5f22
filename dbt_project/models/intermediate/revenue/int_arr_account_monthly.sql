-- ARR per account per calendar month (state at the month's last day), from the account's first ARR
-- event month through the month containing as_of_date, zero months included. A replacing event sets ARR
-- to its annualised amount (the renewal amount already contains earlier expansions), an adding event
-- adds to it until the next replacement, an ending event sets it to 0. Expansions co-terminate with the
-- subscription they add to. A term that expires without a renewal decision keeps its ARR (the renewal is
-- assumed in flight) until a lost renewal ends it. ARR per account-month is rounded to 2 dp here, so
-- every movement and total built on it adds up to the cent. Events are cut into segments at each
-- replacing or ending event; ARR after an event = the segment's replacing amount (0 after an ending
-- event or before the first replacement) + the segment's expansions so far.
{%- set as_of = as_of_date(var('as_of_date', '')) %}

with

events as (

    select * from {{ ref('int_arr_events_classified') }}

),

sequenced as (

    select
        events.*,
        row_number() over (
            partition by events.account_id
            order by events.event_date, events.event_kind_order, events.opportunity_id
        ) as event_sequence
    from events

),

segmented as (

    select
        sequenced.*,
        sum(case when sequenced.event_kind in ('replace', 'end') then 1 else 0 end) over (
            partition by sequenced.account_id
            order by sequenced.event_sequence
            rows between unbounded preceding and current row
        ) as segment_number
    from sequenced

),

states as (

    select
        segmented.account_id,
        segmented.event_sequence,
        segmented.event_date,
        max(case when segmented.event_kind = 'replace' then segmented.annualized_amount end) over (
            partition by segmented.account_id, segmented.segment_number
        ) as segment_base_amount,
        sum(case when segmented.event_kind = 'add' then segmented.annualized_amount else 0 end) over (
            partition by segmented.account_id, segmented.segment_number
            order by segmented.event_sequence
            rows between unbounded preceding and current row
        ) as segment_added_amount
    from segmented

),

event_states as (

    select
        account_id,
        event_sequence,
        event_date,
        coalesce(segment_base_amount, 0) + segment_added_amount as arr_after_event
    from states

),

account_bounds as (

    select
        account_id,
        cast({{ dbt.date_trunc('month', 'min(event_date)') }} as date) as first_month_start
    from events
    group by account_id

),

account_months as (

    select
        account_bounds.account_id,
        cast(
            {{ dbt.dateadd('month', 'series.n', 'account_bounds.first_month_start') }} as date
        ) as month_start
    from account_bounds
    cross join {{ integer_series(3) }} as series
    where
        series.n <= {{ dbt.datediff('account_bounds.first_month_start', as_of, 'month') }}

),

month_bounds as (

    select
        account_id,
        month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end
    from account_months

),

latest_event as (

    select
        month_bounds.account_id,
        month_bounds.month_start,
        month_bounds.month_end,
        event_states.arr_after_event,
        row_number() over (
            partition by month_bounds.account_id, month_bounds.month_start
            order by event_states.event_sequence desc
        ) as recency_rank
    from month_bounds
    inner join event_states
        on
            month_bounds.account_id = event_states.account_id
            and month_bounds.month_end >= event_states.event_date

),

final as (

    select
        account_id,
        {{ period_label("'month'", 'month_start') }} as month_label,
        month_start,
        month_end,
        cast(round(arr_after_event, 2) as decimal(18, 2)) as arr_amount
    from latest_event
    where recency_rank = 1

)

select * from final
