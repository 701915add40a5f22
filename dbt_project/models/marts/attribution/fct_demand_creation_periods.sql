-- Demand creation versus harvest per calendar month and quarter: opportunities and pipeline by creation
-- date, won opportunities and won amount by close date, per first-touch demand_type (fct_demand_creation).
-- Periods appear when they have activity; amounts are rounded once at the end.
with

opportunities as (

    select * from {{ ref('fct_demand_creation') }}

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

    {{ month_and_quarter_rows('activity') }}

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
        {{ calendar_period_columns('summed') }},
        summed.demand_type,
        summed.created_opportunity_count,
        cast(coalesce(summed.created_pipeline_amount, 0) as decimal(18, 2)) as created_pipeline_amount,
        summed.won_opportunity_count,
        cast(coalesce(summed.won_amount, 0) as decimal(18, 2)) as won_amount
    from summed

)

select * from final
