-- Calendar periods of every grain in var('pipeline_period_grains') and always month and quarter (the
-- grains of fct_pipeline); weeks start Monday (ISO). They run from the period of the first pipeline
-- activity (opportunity creation or first qualification) to the period containing as_of_date, or to
-- the period of the last activity when that is later, so no created or qualified opportunity falls
-- outside a period. period_end is inclusive; open pipeline is measured at period_start 00:00 UTC and
-- at the day after period_end; is_started: period_start <= as_of_date (only those are ever frozen).
{%- set grains = var('pipeline_period_grains') | list %}
{%- for grain in ['month', 'quarter'] if grain not in grains %}
    {%- do grains.append(grain) %}
{%- endfor %}
{%- for grain in grains if grain not in ['week', 'month', 'quarter'] %}
    {{- exceptions.raise_compiler_error("var pipeline_period_grains: unknown grain " ~ grain ~ " (week, month, quarter)") }}
{%- endfor %}
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

qualification as (

    select * from {{ ref('int_opportunities_qualified') }}

),

activity_dates as (

    select cast(created_at as date) as activity_date from opportunities

    union all

    select cast(first_qualified_at as date) as activity_date from qualification

),

bounds as (

    select
        min(activity_date) as first_date,
        max(activity_date) as last_activity_date,
        {{ as_of_date(var('as_of_date', '')) }} as as_of_date
    from activity_dates

),

grains as (

    {% for grain in grains %}
        select '{{ grain }}' as period_grain
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

starts as (

    select
        grains.period_grain,
        cast(
            case grains.period_grain
                when 'week' then {{ dbt.date_trunc('week', 'bounds.first_date') }}
                when 'month' then {{ dbt.date_trunc('month', 'bounds.first_date') }}
                else {{ dbt.date_trunc('quarter', 'bounds.first_date') }}
            end as date
        ) as first_period_start,
        case
            when bounds.last_activity_date > bounds.as_of_date then bounds.last_activity_date
            else bounds.as_of_date
        end as last_date,
        bounds.as_of_date
    from grains
    cross join bounds
    where bounds.first_date is not null

),

periods as (

    select
        starts.period_grain,
        cast(
            case starts.period_grain
                when 'week' then {{ dbt.dateadd('day', 'series.n * 7', 'starts.first_period_start') }}
                when 'month' then {{ dbt.dateadd('month', 'series.n', 'starts.first_period_start') }}
                else {{ dbt.dateadd('month', 'series.n * 3', 'starts.first_period_start') }}
            end as date
        ) as period_start,
        cast(
            case starts.period_grain
                when 'week' then {{ dbt.dateadd('day', '(series.n + 1) * 7', 'starts.first_period_start') }}
                when 'month' then {{ dbt.dateadd('month', 'series.n + 1', 'starts.first_period_start') }}
                else {{ dbt.dateadd('month', '(series.n + 1) * 3', 'starts.first_period_start') }}
            end as date
        ) as next_period_start,
        starts.last_date,
        starts.as_of_date
    from starts
    cross join {{ integer_series(3) }} as series

),

final as (

    select
        period_grain,
        case
            when period_grain = 'week'
                then
                    cast(extract(isoyear from period_start) as {{ dbt.type_string() }})
                    || '-W'
                    || lpad(cast(extract(week from period_start) as {{ dbt.type_string() }}), 2, '0')
            else {{ period_label('period_grain', 'period_start') }}
        end as period_label,
        period_start,
        cast({{ dbt.dateadd('day', -1, 'next_period_start') }} as date) as period_end,
        next_period_start,
        period_start <= as_of_date as is_started
    from periods
    where period_start <= last_date

)

select * from final
