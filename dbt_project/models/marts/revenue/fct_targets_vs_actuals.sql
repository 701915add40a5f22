-- Targets (seed targets) against actuals per period and metric (contract "Targets and forecast").
-- Actuals: qualified_pipeline = amounts of opportunities whose first qualified-stage entry falls in the
-- period; bookings = amounts of won opportunities of var bookings_opportunity_types closing in the
-- period; new_customers = accounts acquired in the period (int_customers_acquired).
-- Forward-looking measures, bookings rows of periods ending on or after as_of_date only (else null):
-- open qualified pipeline = open qualified opportunities of the bookings types with close date in the
-- period; coverage = that / remaining target; required pipeline = target / bookings win rate, the share
-- won among opportunities of the bookings types closed in the win-rate window of fct_stage_win_rates;
-- expected open bookings = sum of amount x the learned win rate of each open opportunity's current stage
-- (no learned rate = 0); forecast bookings = actual + expected open bookings.
{%- set as_of = as_of_date(var('as_of_date', '')) %}
{%- set bookings_types = var('bookings_opportunity_types', ['new_business', 'expansion']) %}

with

targets as (

    select * from {{ ref('targets') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

stage_win_rates as (

    select * from {{ ref('fct_stage_win_rates') }}

),

customers as (

    select * from {{ ref('int_customers_acquired') }}

),

target_periods as (

    select
        period_grain,
        period_label,
        metric,
        target_amount,
        cast(
            case
                when period_grain = 'quarter'
                    then
                        substring(period_label, 1, 4)
                        || '-'
                        || lpad(
                            cast(
                                (cast(substring(period_label, 7, 1) as {{ dbt.type_bigint() }}) - 1) * 3 + 1
                                as {{ dbt.type_string() }}
                            ),
                            2,
                            '0'
                        )
                        || '-01'
                else period_label || '-01'
            end as date
        ) as period_start
    from targets

),

bounded as (

    select
        target_periods.*,
        cast(
            {{ dbt.dateadd(
                'day', -1,
                dbt.dateadd('month', "case when period_grain = 'quarter' then 3 else 1 end", 'period_start')
            ) }} as date
        ) as period_end
    from target_periods

),

window_bounds as (

    select
        min(window_start) as window_start,
        max(window_end) as window_end
    from stage_win_rates

),

bookings_win_rate as (

    select
        case
            when count(*) > 0
                then cast(sum(case when opportunities.is_won then 1 else 0 end) as {{ type_double() }}) / count(*)
        end as win_rate
    from opportunities
    cross join window_bounds
    where
        opportunities.is_closed
        and opportunities.opportunity_type in ('{{ bookings_types | join("', '") }}')
        and opportunities.close_date >= window_bounds.window_start
        and opportunities.close_date <= window_bounds.window_end

),

open_opportunities as (

    select
        opportunities.opportunity_id,
        opportunities.is_qualified,
        opportunities.amount_reporting,
        opportunities.close_date,
        coalesce(stage_win_rates.win_rate, 0) as stage_win_rate
    from opportunities
    left join stage_win_rates
        on opportunities.stage_name = stage_win_rates.stage_name
    where
        not opportunities.is_closed
        and opportunities.opportunity_type in ('{{ bookings_types | join("', '") }}')

),

actual_events as (

    -- what counts towards each metric's actual, on the date it counts
    select
        'qualified_pipeline' as metric,
        cast(first_qualified_at as date) as actual_date,
        amount_reporting as actual_amount
    from opportunities

    union all

    select
        'bookings' as metric,
        close_date as actual_date,
        amount_reporting as actual_amount
    from opportunities
    where
        is_won
        and opportunity_type in ('{{ bookings_types | join("', '") }}')

    union all

    select
        'new_customers' as metric,
        acquired_date as actual_date,
        1 as actual_amount
    from customers

),

actuals as (

    select
        bounded.period_grain,
        bounded.period_label,
        bounded.metric,
        sum(actual_events.actual_amount) as actual_amount
    from bounded
    inner join actual_events
        on
            bounded.metric = actual_events.metric
            and bounded.period_start <= actual_events.actual_date
            and bounded.period_end >= actual_events.actual_date
    group by bounded.period_grain, bounded.period_label, bounded.metric

),

pipeline as (

    select
        bounded.period_grain,
        bounded.period_label,
        sum(case when open_opportunities.is_qualified then open_opportunities.amount_reporting else 0 end)
            as open_qualified_pipeline_amount,
        sum(cast(open_opportunities.amount_reporting * open_opportunities.stage_win_rate as decimal(38, 8)))
            as expected_open_bookings_amount
    from bounded
    left join open_opportunities
        on
            bounded.period_start <= open_opportunities.close_date
            and bounded.period_end >= open_opportunities.close_date
    where bounded.metric = 'bookings'
    group by bounded.period_grain, bounded.period_label

),

measured as (

    select
        bounded.period_grain,
        bounded.period_label,
        bounded.period_start,
        bounded.period_end,
        bounded.metric,
        bounded.period_end >= {{ as_of }} and bounded.metric = 'bookings' as has_forecast,
        bounded.target_amount,
        coalesce(actuals.actual_amount, 0) as actual_amount,
        pipeline.open_qualified_pipeline_amount,
        pipeline.expected_open_bookings_amount,
        bookings_win_rate.win_rate as bookings_win_rate
    from bounded
    left join actuals
        on
            bounded.period_grain = actuals.period_grain
            and bounded.period_label = actuals.period_label
            and bounded.metric = actuals.metric
    left join pipeline
        on
            bounded.period_grain = pipeline.period_grain
            and bounded.period_label = pipeline.period_label
            and bounded.metric = 'bookings'
    cross join bookings_win_rate

),

final as (

    select
        period_grain,
        period_label,
        period_start,
        period_end,
        metric,
        cast(round(target_amount, 2) as decimal(18, 2)) as target_amount,
        cast(round(actual_amount, 2) as decimal(18, 2)) as actual_amount,
        case
            when target_amount > 0 then cast(actual_amount as {{ type_double() }}) / target_amount
        end as attainment,
        cast(
            round(case when target_amount > actual_amount then target_amount - actual_amount else 0 end, 2)
            as decimal(18, 2)
        ) as remaining_target_amount,
        cast(
            case when has_forecast then round(coalesce(open_qualified_pipeline_amount, 0), 2) end
            as decimal(18, 2)
        ) as open_qualified_pipeline_amount,
        case
            when has_forecast and target_amount > actual_amount
                then
                    cast(coalesce(open_qualified_pipeline_amount, 0) as {{ type_double() }})
                    / (target_amount - actual_amount)
        end as pipeline_coverage,
        case when has_forecast then bookings_win_rate end as bookings_win_rate,
        cast(
            case
                when has_forecast and bookings_win_rate > 0
                    then round(cast(target_amount / bookings_win_rate as decimal(38, 8)), 2)
            end as decimal(18, 2)
        ) as required_pipeline_amount,
        cast(
            case when has_forecast then round(coalesce(expected_open_bookings_amount, 0), 2) end
            as decimal(18, 2)
        ) as expected_open_bookings_amount,
        cast(
            case when has_forecast then round(actual_amount + coalesce(expected_open_bookings_amount, 0), 2) end
            as decimal(18, 2)
        ) as forecast_bookings_amount
    from measured

)

select * from final
