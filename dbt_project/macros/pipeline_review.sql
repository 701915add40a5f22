{#- The CTEs every cadence review reads: `periods` (int_pipeline_periods_summarized) and `frozen`
    (fct_pipeline_snapshot_periods), both of one grain (week, month or quarter). -#}
{% macro pipeline_review_sources(grain) -%}
periods as (

    select * from {{ ref('int_pipeline_periods_summarized') }}
    where period_grain = '{{ grain }}'

),

frozen as (

    select * from {{ ref('fct_pipeline_snapshot_periods') }}
    where period_grain = '{{ grain }}'

)
{%- endmacro %}

{#- The pipeline columns every review shares, in order, ending with the change against the previous
    period and a trailing comma (the review adds its own columns after). -#}
{% macro pipeline_review_columns() -%}
periods.period_label,
periods.period_start,
periods.period_end,
periods.created_opportunity_count,
periods.created_pipeline_amount,
periods.qualified_opportunity_count,
periods.qualified_pipeline_amount,
periods.open_opportunity_count_at_start,
periods.open_pipeline_amount_at_start,
periods.open_opportunity_count_at_end,
periods.open_pipeline_amount_at_end,
frozen.frozen_opportunity_count,
frozen.frozen_pipeline_amount,
periods.won_count,
periods.won_amount,
periods.lost_count,
periods.lost_amount,
periods.win_rate,
periods.average_won_deal_amount,
periods.median_sales_cycle_days,
periods.previous_created_pipeline_amount,
periods.created_pipeline_amount - periods.previous_created_pipeline_amount as created_pipeline_change_amount,
case
    when periods.previous_created_pipeline_amount > 0
        then
            cast(periods.created_pipeline_amount as {{ dbt.type_float() }})
            / cast(periods.previous_created_pipeline_amount as {{ dbt.type_float() }}) - 1
end as created_pipeline_change_pct,
{%- endmacro %}
