-- Quarterly business review (first day of the quarter): one row per quarter, pipeline numbers from int_pipeline_periods_summarized and the
-- pipeline frozen at the start of the quarter (fct_pipeline_snapshot_periods), ARR movements with
-- NRR and GRR (fct_revenue_retention) and CAC beside cost per lead (fct_cac).
with

{{ pipeline_review_sources('quarter') }},

retention as (

    select * from {{ ref('fct_revenue_retention') }}
    where period_grain = 'quarter'

),

cac as (

    select * from {{ ref('fct_cac') }}
    where period_grain = 'quarter'

),

final as (

    select
        {{ pipeline_review_columns() | indent(8) }}
        retention.starting_arr,
        retention.new_arr,
        retention.expansion_arr,
        retention.contraction_arr,
        retention.churn_arr,
        retention.net_new_arr,
        retention.ending_arr,
        retention.net_revenue_retention,
        retention.gross_revenue_retention,
        cac.new_customer_count,
        cac.sales_marketing_spend_amount,
        cac.cac_amount,
        cac.cost_per_lead_amount,
        frozen.frozen_at
    from periods
    left join frozen
        on periods.period_start = frozen.period_start
    left join retention
        on periods.period_start = retention.period_start
    left join cac
        on periods.period_start = cac.period_start

)

select * from final
