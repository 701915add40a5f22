-- Calendar periods of every grain in var('pipeline_period_grains') (week starts Monday, ISO), from
-- the period of the first opportunity creation to the period containing as_of_date. period_end is
-- inclusive; open pipeline is measured at period_start 00:00 UTC and at the day after period_end.
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

bounds as (

    select
        cast(min(created_at) as date) as first_date,
        {{ as_of_date(var('as_of_date', '')) }} as last_date
    from opportunities

),

grains as (

    {% for grain in var('pipeline_period_grains') %}
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
        bounds.last_date
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
        starts.last_date
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
        next_period_start
    from periods
    where period_start <= last_date

)

select * from final
