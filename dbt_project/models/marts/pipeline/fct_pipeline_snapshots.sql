-- Pipeline frozen at the start of each period (var('pipeline_freeze_grains')): the opportunities
-- open at period_start 00:00 UTC, with their stage at that moment (from stage history) and their
-- amount when the period was first frozen. Insert-only: a run adds the periods not yet present and
-- never rewrites a frozen period, whatever happens to the deals or their history afterwards.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

periods as (

    select * from {{ ref('int_pipeline_periods') }}

),

open_intervals as (

    select * from {{ ref('int_opportunity_open_intervals') }}

),

stage_entries as (

    select * from {{ ref('int_opportunity_stage_history') }}

),

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

new_periods as (

    select
        periods.period_grain,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        cast(periods.period_start as {{ dbt.type_timestamp() }}) as snapshot_at
    from periods
    where
        periods.is_started
        and periods.period_grain in ({% for g in var('pipeline_freeze_grains') %}'{{ g }}'{{ ", " if not loop.last }}{% endfor %})
        {% if is_incremental() %}
            and not exists (
                select 1
                from {{ this }} as frozen
                where
                    frozen.period_grain = periods.period_grain
                    and frozen.period_start = periods.period_start
            )
        {% endif %}

),

-- Open at snapshot_at: opened_at < snapshot_at and (closed_at is null or snapshot_at <= closed_at). The
-- two cases are two branches, not an OR in the join condition: each branch is a plain range join
-- (merge or inequality join) where the OR forced a nested loop over every period x opportunity pair.
open_at_snapshot as (

    select
        new_periods.period_grain,
        new_periods.period_label,
        new_periods.period_start,
        new_periods.period_end,
        new_periods.snapshot_at,
        open_intervals.opportunity_id,
        open_intervals.account_id,
        open_intervals.owner_id,
        open_intervals.amount_reporting,
        open_intervals.opened_at
    from new_periods
    inner join open_intervals
        on
            new_periods.snapshot_at > open_intervals.opened_at
            and open_intervals.closed_at is null

    union all

    select
        new_periods.period_grain,
        new_periods.period_label,
        new_periods.period_start,
        new_periods.period_end,
        new_periods.snapshot_at,
        open_intervals.opportunity_id,
        open_intervals.account_id,
        open_intervals.owner_id,
        open_intervals.amount_reporting,
        open_intervals.opened_at
    from new_periods
    inner join open_intervals
        on
            new_periods.snapshot_at > open_intervals.opened_at
            and new_periods.snapshot_at <= open_intervals.closed_at

),

-- The stage entry each open opportunity was in at snapshot_at (entered before it, not exited before
-- it): an equality join on the opportunity, the interval test a filter on its few entries. Joined
-- back to the open rows by key, so a moment without a stage entry keeps its row with no stage.
snapshot_stages as (

    select
        open_at_snapshot.period_grain,
        open_at_snapshot.period_start,
        open_at_snapshot.opportunity_id,
        stage_entries.stage_name
    from open_at_snapshot
    inner join stage_entries
        on open_at_snapshot.opportunity_id = stage_entries.opportunity_id
    where
        open_at_snapshot.snapshot_at > stage_entries.entered_at
        and (stage_entries.exited_at is null or open_at_snapshot.snapshot_at <= stage_entries.exited_at)

),

final as (

    select
        open_at_snapshot.period_grain,
        open_at_snapshot.period_label,
        open_at_snapshot.period_start,
        open_at_snapshot.period_end,
        open_at_snapshot.opportunity_id,
        open_at_snapshot.account_id,
        open_at_snapshot.owner_id,
        snapshot_stages.stage_name,
        stage_mapping.funnel_stage,
        cast(round(open_at_snapshot.amount_reporting, 2) as decimal(18, 2)) as amount_reporting,
        open_at_snapshot.snapshot_at,
        open_at_snapshot.opened_at,
        cast(current_timestamp as {{ dbt.type_timestamp() }}) as frozen_at
    from open_at_snapshot
    left join snapshot_stages
        on
            open_at_snapshot.period_grain = snapshot_stages.period_grain
            and open_at_snapshot.period_start = snapshot_stages.period_start
            and open_at_snapshot.opportunity_id = snapshot_stages.opportunity_id
    left join stage_mapping
        on
            stage_mapping.source_system = '{{ var("crm_source", "salesforce") }}'
            and snapshot_stages.stage_name = stage_mapping.source_stage_name

)

select * from final
