-- Weekly pipeline review (Monday morning): one row per week, pipeline numbers from int_pipeline_periods_summarized and the
-- pipeline frozen at the start of the week (fct_pipeline_snapshot_periods).
with

{{ pipeline_review_sources('week') }},

final as (

    select
        {{ pipeline_review_columns() | indent(8) }}
        frozen.frozen_at
    from periods
    left join frozen
        on periods.period_start = frozen.period_start

)

select * from final
