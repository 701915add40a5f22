-- When each live opportunity was open (contract "open pipeline as of any date"): opened at its
-- creation, closed at its first entry into a closed stage (stage_mapping.is_closed) from stage
-- history, else at its close date when the CRM says it is closed. Open at a timestamp T means
-- opened_at < T and (closed_at is null or closed_at >= T).
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

stage_entries as (

    select * from {{ ref('int_opportunity_stage_history') }}

),

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

first_closed_entries as (

    select
        stage_entries.opportunity_id,
        min(stage_entries.entered_at) as first_closed_at
    from stage_entries
    inner join stage_mapping
        on
            stage_mapping.source_system = '{{ var("crm_source", "salesforce") }}'
            and stage_entries.stage_name = stage_mapping.source_stage_name
    where stage_mapping.is_closed
    group by stage_entries.opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        opportunities.amount_reporting,
        opportunities.created_at as opened_at,
        coalesce(
            first_closed_entries.first_closed_at,
            case when opportunities.is_closed then cast(opportunities.close_date as {{ dbt.type_timestamp() }}) end
        ) as closed_at
    from opportunities
    left join first_closed_entries
        on opportunities.opportunity_id = first_closed_entries.opportunity_id

)

select * from final
