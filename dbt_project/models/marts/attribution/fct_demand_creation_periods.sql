-- Demand creation versus harvest per calendar month and quarter: opportunities and pipeline by creation
-- date, won opportunities and won amount by close date, per first-touch demand_type (fct_demand_creation).
-- Periods appear when they have activity; amounts are rounded once at the end.
with

opportunities as (

    select * from {{ ref('fct_demand_creation') }}

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

activity as (

    select
        demand_type,
        cast(created_at as date) as activity_date,
        1 as created_opportunity_count,
        pipeline_amount as created_pipeline_amount,
        0 as won_opportunity_count,
        0 as won_amount
    from opportunities

    union all

    select
        demand_type,
        close_date as activity_date,
        0 as created_opportunity_count,
        0 as created_pipeline_amount,
        1 as won_opportunity_count,
        won_amount
    from opportunities
    where is_won

),

bucketed as (

    select
        grains.period_grain,
        grains.months_per_period,
        cast(
            case
                when grains.period_grain = 'quarter'
                    then {{ dbt.date_trunc('quarter', 'activity.activity_date') }}
                else {{ dbt.date_trunc('month', 'activity.activity_date') }}
            end as date
        ) as period_start,
        activity.*
    from activity
    cross join grains
    where activity.activity_date is not null

),

summed as (

    select
        period_grain,
        months_per_period,
        period_start,
        demand_type,
        sum(created_opportunity_count) as created_opportunity_count,
        sum(created_pipeline_amount) as created_pipeline_amount,
        sum(won_opportunity_count) as won_opportunity_count,
        sum(won_amount) as won_amount
    from bucketed
    group by period_grain, months_per_period, period_start, demand_type

),

final as (

    select
        period_grain,
        {{ period_label('period_grain', 'period_start') }} as period_label,
        period_start,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 'months_per_period', 'period_start')) }}
            as date
        ) as period_end,
        demand_type,
        created_opportunity_count,
        cast(coalesce(created_pipeline_amount, 0) as decimal(18, 2)) as created_pipeline_amount,
        won_opportunity_count,
        cast(coalesce(won_amount, 0) as decimal(18, 2)) as won_amount
    from summed

)

select * from final
