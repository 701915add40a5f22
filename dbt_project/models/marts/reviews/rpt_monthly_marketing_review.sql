-- Monthly marketing review (first day of the month): one row per month, pipeline numbers from int_pipeline_periods_summarized, the
-- pipeline frozen at the start of the month (fct_pipeline_snapshot_periods), and spend, new customers,
-- CAC and cost per lead side by side (fct_cac).
with

{{ pipeline_review_sources('month') }},

cac as (

    select * from {{ ref('fct_cac') }}
    where period_grain = 'month'

),

final as (

    select
        {{ pipeline_review_columns() | indent(8) }}
        cac.new_customer_count,
        cac.new_person_count,
        cac.marketing_spend_amount,
        cac.sales_marketing_spend_amount,
        cac.cac_amount,
        cac.marketing_cac_amount,
        cac.cost_per_lead_amount,
        frozen.frozen_at
    from periods
    left join frozen
        on periods.period_start = frozen.period_start
    left join cac
        on periods.period_start = cac.period_start

)

select * from final
