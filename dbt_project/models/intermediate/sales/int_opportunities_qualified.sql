-- First entry of each live opportunity into any qualified stage (learned in int_stage_win_rates).
-- Opportunities that never entered a qualified stage are absent.
with

stage_entries as (

    select * from {{ ref('int_opportunity_stage_history') }}

),

qualified_stages as (

    select stage_name
    from {{ ref('int_stage_win_rates') }}
    where is_qualified_stage

),

qualified_entries as (

    select
        stage_entries.opportunity_id,
        stage_entries.stage_name,
        stage_entries.entered_at,
        row_number() over (
            partition by stage_entries.opportunity_id
            order by stage_entries.entered_at, stage_entries.entry_sequence
        ) as qualified_entry_rank
    from stage_entries
    inner join qualified_stages
        on stage_entries.stage_name = qualified_stages.stage_name

),

final as (

    select
        opportunity_id,
        stage_name as first_qualified_stage,
        entered_at as first_qualified_at
    from qualified_entries
    where qualified_entry_rank = 1

)

select * from final
