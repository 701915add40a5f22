-- Daily time spine for the dbt Semantic Layer (MetricFlow): one row per day from 2020-01-01 for
-- 10,000 days (through 2047-05-18). Portable: built from integer_series, no generate_series.
{{ config(materialized='table', schema='marts') }}

with

days as (

    select
        cast({{ dbt.dateadd('day', 'series.n', "cast('2020-01-01' as date)") }} as date) as date_day
    from {{ integer_series(4) }} as series

),

final as (

    select date_day from days

)

select * from final
