-- Created and qualified pipeline per calendar month and quarter (contract "fct_pipeline grain"), with
-- the open pipeline at the start and end of the period and the pipeline frozen at its start.
-- The month and quarter rows of int_pipeline_periods_summarized (which computes every measure once for
-- fct_pipeline and the reviews): every period from the first activity (creation or first qualification)
-- to the period containing as_of_date, or to the last activity when later, zero-filled.
with

period_measures as (

    select * from {{ ref('int_pipeline_periods_summarized') }}
    where period_grain in ('month', 'quarter')

),

frozen as (

    select * from {{ ref('fct_pipeline_snapshot_periods') }}

),

final as (

    select
        period_measures.period_grain,
        period_measures.period_label,
        period_measures.period_start,
        period_measures.period_end,
        period_measures.created_opportunity_count,
        period_measures.created_pipeline_amount,
        period_measures.qualified_opportunity_count,
        period_measures.qualified_pipeline_amount,
        period_measures.open_opportunity_count_at_start,
        period_measures.open_pipeline_amount_at_start,
        period_measures.open_opportunity_count_at_end,
        period_measures.open_pipeline_amount_at_end,
        frozen.frozen_opportunity_count,
        frozen.frozen_pipeline_amount
    from period_measures
    left join frozen
        on
            period_measures.period_grain = frozen.period_grain
            and period_measures.period_start = frozen.period_start

)

select * from final
