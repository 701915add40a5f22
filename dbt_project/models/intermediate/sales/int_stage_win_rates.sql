-- Learned stage win rates (contract "Stage win rate"): among live opportunities closed with a
-- close_date in the win_rate_window_quarters full calendar quarters before the quarter containing
-- as_of_date, win rate of stage S = won that entered S / closed that entered S. A stage qualifies when
-- its rate >= qualified_stage_win_rate_threshold (inclusive); the won stage always qualifies.
{%- set as_of = as_of_date(var('as_of_date', '')) %}
{%- set window_quarters = var('win_rate_window_quarters', 4) | int %}
{%- set threshold = var('qualified_stage_win_rate_threshold', 0.25) %}

with

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

stage_entries as (

    select * from {{ ref('int_opportunity_stage_history') }}

),

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

window_bounds as (

    select
        cast({{ dbt.dateadd('month', -3 * window_quarters, dbt.date_trunc('quarter', as_of)) }} as date)
            as window_start,
        cast({{ dbt.dateadd('day', -1, dbt.date_trunc('quarter', as_of)) }} as date) as window_end

),

closed_in_window as (

    select
        opportunities.opportunity_id,
        opportunities.is_won,
        window_bounds.window_start,
        window_bounds.window_end
    from opportunities
    cross join window_bounds
    where
        opportunities.is_closed
        and opportunities.close_date >= window_bounds.window_start
        and opportunities.close_date <= window_bounds.window_end

),

entered_stages as (

    select distinct
        opportunity_id,
        stage_name
    from stage_entries

),

counted as (

    select
        entered_stages.stage_name,
        closed_in_window.window_start,
        closed_in_window.window_end,
        count(*) as closed_count,
        sum(case when closed_in_window.is_won then 1 else 0 end) as won_count
    from entered_stages
    inner join closed_in_window
        on entered_stages.opportunity_id = closed_in_window.opportunity_id
    group by
        entered_stages.stage_name,
        closed_in_window.window_start,
        closed_in_window.window_end

),

final as (

    select
        counted.stage_name,
        counted.window_start,
        counted.window_end,
        counted.closed_count,
        counted.won_count,
        cast(counted.won_count as {{ type_double() }}) / counted.closed_count as win_rate,
        cast(counted.won_count as {{ type_double() }}) / counted.closed_count >= {{ threshold }}
        or coalesce(stage_mapping.is_won, false) as is_qualified_stage,
        cast({{ threshold }} as {{ type_double() }}) as threshold
    from counted
    left join stage_mapping
        on
            stage_mapping.source_system = '{{ var("crm_source", "salesforce") }}'
            and counted.stage_name = stage_mapping.source_stage_name

)

select * from final
