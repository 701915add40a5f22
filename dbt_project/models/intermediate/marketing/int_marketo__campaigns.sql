{{ config(enabled=var('marketo_enabled', false)) }}
-- One row per live Marketo program in the conformed campaign shape: the channel is the campaign type,
-- the actual cost is the sum of its period costs (in the program's Currency tag). Marketo programs have
-- no budget field: budgeted_cost is null.
with

programs as (

    select * from {{ ref('stg_marketo__programs') }}

),

costs as (

    select
        program_id,
        sum(cost) as actual_cost
    from {{ ref('stg_marketo__program_costs') }}
    group by 1

)

select
    'marketo:' || programs.program_id as campaign_id,
    programs.source_system,
    programs.program_name as campaign_name,
    programs.channel as campaign_type,
    programs.currency_code,
    costs.actual_cost,
    cast(null as decimal(18, 2)) as budgeted_cost,
    programs.start_date,
    programs.end_date,
    programs.created_at,
    programs.sfdc_campaign_id as linked_salesforce_campaign_id
from programs
left join costs
    on programs.program_id = costs.program_id
