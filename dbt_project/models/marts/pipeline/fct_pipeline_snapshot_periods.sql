-- One row per frozen period: the count and amount of the pipeline frozen at its start. Built only
-- from fct_pipeline_snapshots, so it never changes once a period is frozen either.
with

snapshots as (

    select * from {{ ref('fct_pipeline_snapshots') }}

),

final as (

    select
        period_grain,
        period_label,
        period_start,
        period_end,
        count(*) as frozen_opportunity_count,
        cast(coalesce(sum(amount_reporting), 0) as decimal(18, 2)) as frozen_pipeline_amount,
        min(frozen_at) as frozen_at
    from snapshots
    group by period_grain, period_label, period_start, period_end

)

select * from final
