-- Monthly marketing review (first day of the month): one row per month, pipeline numbers from int_pipeline_periods_summarized, the
-- pipeline frozen at the start of the month (fct_pipeline_snapshot_periods), and spend, new customers,
-- CAC and cost per lead side by side (fct_cac).
with

periods as (

    select * from {{ ref('int_pipeline_periods_summarized') }}
    where period_grain = 'month'

),

frozen as (

    select * from {{ ref('fct_pipeline_snapshot_periods') }}
    where period_grain = 'month'

),

cac as (

    select * from {{ ref('fct_cac') }}
    where period_grain = 'month'

),

final as (

    select
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
