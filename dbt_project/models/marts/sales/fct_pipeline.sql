-- Created and qualified pipeline per calendar month and quarter (contract "fct_pipeline grain").
-- Every period between the first and the last activity (creation or first qualification) appears,
-- zero-filled. Amounts are summed unrounded in the reporting currency and rounded once at the end.
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

qualification as (

    select * from {{ ref('int_opportunities_qualified') }}

),

period_measures as (

    select * from {{ ref('int_pipeline_periods_summarized') }}

),

frozen as (

    select * from {{ ref('fct_pipeline_snapshot_periods') }}

),

activity as (

    select
        opportunities.opportunity_id,
        opportunities.amount_reporting,
        cast(opportunities.created_at as date) as created_date,
        cast(qualification.first_qualified_at as date) as qualified_date
    from opportunities
    left join qualification
        on opportunities.opportunity_id = qualification.opportunity_id

),

activity_bounds as (

    select
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date
    from (
        select created_date as activity_date from activity
        union all
        select qualified_date as activity_date from activity
    ) as activity_dates

),

grains as (

    select
        'month' as period_grain,
        1 as months_per_period

    union all

    select
        'quarter' as period_grain,
        3 as months_per_period

),

grain_bounds as (

    select
        grains.period_grain,
        grains.months_per_period,
        cast(
            case
                when grains.period_grain = 'quarter'
                    then {{ dbt.date_trunc('quarter', 'activity_bounds.first_activity_date') }}
                else {{ dbt.date_trunc('month', 'activity_bounds.first_activity_date') }}
            end as date
        ) as first_period_start,
        activity_bounds.last_activity_date
    from grains
    cross join activity_bounds
    where activity_bounds.first_activity_date is not null

),

periods as (

    select
        grain_bounds.period_grain,
        cast(
            {{ dbt.dateadd('month', 'series.n * grain_bounds.months_per_period', 'grain_bounds.first_period_start') }}
            as date
        ) as period_start,
        cast(
            {{ dbt.dateadd(
                'day', -1,
                dbt.dateadd('month', '(series.n + 1) * grain_bounds.months_per_period', 'grain_bounds.first_period_start')
            ) }}
            as date
        ) as period_end
    from grain_bounds
    cross join {{ integer_series(3) }} as series
    where
        series.n * grain_bounds.months_per_period
        <= {{ dbt.datediff('grain_bounds.first_period_start', 'grain_bounds.last_activity_date', 'month') }}

),

created as (

    select
        periods.period_grain,
        periods.period_start,
        count(activity.opportunity_id) as opportunity_count,
        sum(activity.amount_reporting) as pipeline_amount
    from periods
    inner join activity
        on
            periods.period_start <= activity.created_date
            and periods.period_end >= activity.created_date
    group by periods.period_grain, periods.period_start

),

qualified as (

    select
        periods.period_grain,
        periods.period_start,
        count(activity.opportunity_id) as opportunity_count,
        sum(activity.amount_reporting) as pipeline_amount
    from periods
    inner join activity
        on
            periods.period_start <= activity.qualified_date
            and periods.period_end >= activity.qualified_date
    group by periods.period_grain, periods.period_start

),

final as (

    select
        periods.period_grain,
        {{ period_label('periods.period_grain', 'periods.period_start') }} as period_label,
        periods.period_start,
        periods.period_end,
        coalesce(created.opportunity_count, 0) as created_opportunity_count,
        cast(round(coalesce(created.pipeline_amount, 0), 2) as decimal(18, 2)) as created_pipeline_amount,
        coalesce(qualified.opportunity_count, 0) as qualified_opportunity_count,
        cast(round(coalesce(qualified.pipeline_amount, 0), 2) as decimal(18, 2)) as qualified_pipeline_amount,
        period_measures.open_opportunity_count_at_start,
        period_measures.open_pipeline_amount_at_start,
        period_measures.open_opportunity_count_at_end,
        period_measures.open_pipeline_amount_at_end,
        frozen.frozen_opportunity_count,
        frozen.frozen_pipeline_amount
    from periods
    left join created
        on
            periods.period_grain = created.period_grain
            and periods.period_start = created.period_start
    left join qualified
        on
            periods.period_grain = qualified.period_grain
            and periods.period_start = qualified.period_start
    left join period_measures
        on
            periods.period_grain = period_measures.period_grain
            and periods.period_start = period_measures.period_start
    left join frozen
        on
            periods.period_grain = frozen.period_grain
            and periods.period_start = frozen.period_start

)

select * from final
