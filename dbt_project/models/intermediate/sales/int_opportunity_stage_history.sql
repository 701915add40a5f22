-- Stage entries of live opportunities (contract "Stage history"): history rows ordered by
-- (created_at, opportunity_history_id); a row is an entry when its stage differs from the previous
-- row's (the first row is an entry); an entry exits when the next entry starts.
with

history as (

    select * from {{ ref('int_opportunity_history_unioned') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

live_history as (

    select
        history.opportunity_history_id,
        history.opportunity_id,
        history.stage_name,
        history.created_at
    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id
    where history.stage_name is not null

),

sequenced as (

    select
        live_history.*,
        lag(live_history.stage_name) over (
            partition by live_history.opportunity_id
            order by live_history.created_at, live_history.opportunity_history_id
        ) as previous_stage_name
    from live_history

),

entries as (

    select *
    from sequenced
    where
        previous_stage_name is null
        or previous_stage_name <> stage_name

),

final as (

    select
        opportunity_history_id as stage_entry_id,
        opportunity_id,
        stage_name,
        row_number() over (
            partition by opportunity_id
            order by created_at, opportunity_history_id
        ) as entry_sequence,
        created_at as entered_at,
        lead(created_at) over (
            partition by opportunity_id
            order by created_at, opportunity_history_id
        ) as exited_at
    from entries

)

select * from final
