with

win_rates as (

    select * from {{ ref('int_stage_win_rates') }}

),

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

final as (

    select
        win_rates.stage_name,
        stage_mapping.funnel_stage,
        stage_mapping.stage_order,
        win_rates.is_qualified_stage,
        win_rates.closed_count,
        win_rates.won_count,
        win_rates.win_rate,
        win_rates.threshold,
        win_rates.window_start,
        win_rates.window_end
    from win_rates
    left join stage_mapping
        on
            stage_mapping.source_system = '{{ var("crm_source", "salesforce") }}'
            and win_rates.stage_name = stage_mapping.source_stage_name

)

select * from final
