with

stage_entries as (

    select * from {{ ref('int_opportunity_stage_history') }}

),

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

final as (

    select
        stage_entries.stage_entry_id,
        stage_entries.opportunity_id,
        stage_entries.stage_name,
        stage_mapping.funnel_stage,
        stage_entries.exited_at is null as is_current,
        stage_entries.entry_sequence,
        case
            when stage_entries.exited_at is not null
                then {{ dbt.datediff('stage_entries.entered_at', 'stage_entries.exited_at', 'day') }}
        end as days_in_stage,
        stage_entries.entered_at,
        stage_entries.exited_at
    from stage_entries
    left join stage_mapping
        on
            stage_mapping.source_system = '{{ var("crm_source", "salesforce") }}'
            and stage_entries.stage_name = stage_mapping.source_stage_name

)

select * from final
