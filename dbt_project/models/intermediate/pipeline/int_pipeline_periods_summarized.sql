-- Pipeline numbers of every period in int_pipeline_periods (week, month, quarter): created and
-- qualified pipeline, open pipeline at the start and at the end, deals won and lost (by close date),
-- win rate, average won deal size, median sales cycle of won deals, created pipeline of the previous
-- period. Amounts summed unrounded in the reporting currency and rounded once at the end.
-- Created and qualified: an opportunity counts in the period of each grain that contains its date
-- (date_trunc of the date, the same truncation int_pipeline_periods starts from), an equi-join.
-- Open: opened before the moment and not closed before it (int_opportunity_open_intervals).
{#- measure CTE: [moment, output count column, output amount column] #}
{%- set dated_measures = {
    'created': ['opportunities.created_at', 'created_opportunity_count', 'created_pipeline_amount'],
    'qualified': ['opportunities.first_qualified_at', 'qualified_opportunity_count', 'qualified_pipeline_amount'],
} %}
{%- set open_measures = {
    'open_at_start': ['periods.period_start', 'open_opportunity_count_at_start', 'open_pipeline_amount_at_start'],
    'open_at_end': ['periods.next_period_start', 'open_opportunity_count_at_end', 'open_pipeline_amount_at_end'],
} %}
{%- set measures = dict(dated_measures, **open_measures) %}
with

periods as (

    select * from {{ ref('int_pipeline_periods') }}

),

grains as (

    select distinct period_grain from periods

),

qualification as (

    select * from {{ ref('int_opportunities_qualified') }}

),

opportunities as (

    select
        converted.opportunity_id,
        converted.amount_reporting,
        converted.created_at,
        converted.is_closed,
        converted.is_won,
        converted.close_date,
        qualification.first_qualified_at
    from {{ ref('int_opportunities_converted') }} as converted
    left join qualification
        on converted.opportunity_id = qualification.opportunity_id

),

open_intervals as (

    select * from {{ ref('int_opportunity_open_intervals') }}

),
{% for measure, (moment, _, _) in dated_measures.items() -%}
    {{ measure }}_dated as (

        select
            grains.period_grain,
            opportunities.opportunity_id,
            opportunities.amount_reporting,
            cast(
                case grains.period_grain
                    when 'week' then {{ dbt.date_trunc('week', 'cast(' ~ moment ~ ' as date)') }}
                    when 'month' then {{ dbt.date_trunc('month', 'cast(' ~ moment ~ ' as date)') }}
                    else {{ dbt.date_trunc('quarter', 'cast(' ~ moment ~ ' as date)') }}
                end as date
            ) as period_start
        from opportunities
        cross join grains
        where {{ moment }} is not null

    ),

    {{ measure }} as (

        select
            period_grain,
            period_start,
            count(opportunity_id) as opportunity_count,
            sum(amount_reporting) as pipeline_amount
        from {{ measure }}_dated
        group by period_grain, period_start

    ),

{% endfor -%}
{% for measure, (moment, _, _) in open_measures.items() -%}
    {{ measure }} as (

        select
            periods.period_grain,
            periods.period_start,
            count(open_intervals.opportunity_id) as opportunity_count,
            sum(open_intervals.amount_reporting) as pipeline_amount
        from periods
        inner join open_intervals
            on
                open_intervals.opened_at < cast({{ moment }} as {{ dbt.type_timestamp() }})
                and (
                    open_intervals.closed_at is null
                    or open_intervals.closed_at >= cast({{ moment }} as {{ dbt.type_timestamp() }})
                )
        group by periods.period_grain, periods.period_start

    ),

{% endfor -%}
closed as (

    select
        periods.period_grain,
        periods.period_start,
        sum(case when opportunities.is_won then 1 else 0 end) as won_count,
        sum(case when opportunities.is_won then opportunities.amount_reporting end) as won_amount,
        sum(case when not opportunities.is_won then 1 else 0 end) as lost_count,
        sum(case when not opportunities.is_won then opportunities.amount_reporting end) as lost_amount,
        percentile_cont(0.5) within group (
            order by case
                when opportunities.is_won
                    then {{ dbt.datediff('cast(opportunities.created_at as date)', 'opportunities.close_date', 'day') }}
            end
        ) as median_sales_cycle_days
    from periods
    inner join opportunities
        on
            opportunities.is_closed
            and periods.period_start <= opportunities.close_date
            and periods.period_end >= opportunities.close_date
    group by periods.period_grain, periods.period_start

),

combined as (

    select
        periods.period_grain,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        {%- for measure, (_, count_column, amount_column) in measures.items() %}
            coalesce({{ measure }}.opportunity_count, 0) as {{ count_column }},
            coalesce({{ measure }}.pipeline_amount, 0) as {{ amount_column }},
        {%- endfor %}
        coalesce(closed.won_count, 0) as won_count,
        coalesce(closed.won_amount, 0) as won_amount,
        coalesce(closed.lost_count, 0) as lost_count,
        coalesce(closed.lost_amount, 0) as lost_amount,
        closed.median_sales_cycle_days
    from periods
    left join created
        on periods.period_grain = created.period_grain and periods.period_start = created.period_start
    left join qualified
        on periods.period_grain = qualified.period_grain and periods.period_start = qualified.period_start
    left join open_at_start
        on periods.period_grain = open_at_start.period_grain and periods.period_start = open_at_start.period_start
    left join open_at_end
        on periods.period_grain = open_at_end.period_grain and periods.period_start = open_at_end.period_start
    left join closed
        on periods.period_grain = closed.period_grain and periods.period_start = closed.period_start

),

final as (

    select
        period_grain,
        period_label,
        period_start,
        period_end,
        created_opportunity_count,
        cast(round(created_pipeline_amount, 2) as decimal(18, 2)) as created_pipeline_amount,
        qualified_opportunity_count,
        cast(round(qualified_pipeline_amount, 2) as decimal(18, 2)) as qualified_pipeline_amount,
        open_opportunity_count_at_start,
        cast(round(open_pipeline_amount_at_start, 2) as decimal(18, 2)) as open_pipeline_amount_at_start,
        open_opportunity_count_at_end,
        cast(round(open_pipeline_amount_at_end, 2) as decimal(18, 2)) as open_pipeline_amount_at_end,
        won_count,
        cast(round(won_amount, 2) as decimal(18, 2)) as won_amount,
        lost_count,
        cast(round(lost_amount, 2) as decimal(18, 2)) as lost_amount,
        case
            when won_count + lost_count > 0
                then cast(won_count as {{ dbt.type_float() }}) / (won_count + lost_count)
        end as win_rate,
        case
            when won_count > 0
                then cast(round(won_amount / won_count, 2) as decimal(18, 2))
        end as average_won_deal_amount,
        median_sales_cycle_days,
        cast(round(
            lag(created_pipeline_amount) over (partition by period_grain order by period_start), 2
        ) as decimal(18, 2)) as previous_created_pipeline_amount
    from combined

)

select * from final
