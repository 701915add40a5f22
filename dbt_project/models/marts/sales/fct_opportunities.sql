with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

qualification as (

    select * from {{ ref('int_opportunities_qualified') }}

),

stage_entries as (

    select * from {{ ref('int_opportunity_stage_history') }}

),

contact_roles as (

    select * from {{ ref('int_opportunity_contact_roles_unioned') }}

),

users as (

    select * from {{ ref('int_users_unioned') }}

),

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

type_mapping as (

    select * from {{ ref('opportunity_type_mapping') }}

),

contact_role_counts as (

    select
        opportunity_id,
        count(*) as contact_role_count
    from contact_roles
    group by opportunity_id

),

stage_entry_counts as (

    select
        opportunity_id,
        count(*) as stage_entry_count
    from stage_entries
    group by opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        users.user_name as owner_name,
        opportunities.primary_campaign_id,
        opportunities.opportunity_name,
        opportunities.source_system,
        type_mapping.opportunity_type,
        opportunities.opportunity_type_source,
        opportunities.stage_name,
        stage_mapping.funnel_stage,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.lead_source,
        opportunities.loss_reason,
        opportunities.currency_code,
        coalesce(contact_role_counts.contact_role_count, 0) > 0 as has_contact_role,
        qualification.first_qualified_at is not null as is_qualified,
        qualification.first_qualified_stage,
        opportunities.amount,
        opportunities.fx_rate,
        cast(round(opportunities.amount_reporting, 2) as decimal(18, 2)) as amount_reporting,
        opportunities.term_months,
        coalesce(contact_role_counts.contact_role_count, 0) as contact_role_count,
        coalesce(stage_entry_counts.stage_entry_count, 0) as stage_entry_count,
        case
            when opportunities.is_closed
                then {{ dbt.datediff('cast(opportunities.created_at as date)', 'opportunities.close_date', 'day') }}
        end as sales_cycle_days,
        opportunities.created_at,
        qualification.first_qualified_at,
        opportunities.close_date
    from opportunities
    left join qualification
        on opportunities.opportunity_id = qualification.opportunity_id
    left join contact_role_counts
        on opportunities.opportunity_id = contact_role_counts.opportunity_id
    left join stage_entry_counts
        on opportunities.opportunity_id = stage_entry_counts.opportunity_id
    left join users
        on opportunities.owner_id = users.user_id
    left join stage_mapping
        on
            opportunities.source_system = stage_mapping.source_system
            and opportunities.stage_name = stage_mapping.source_stage_name
    left join type_mapping
        on
            opportunities.source_system = type_mapping.source_system
            and opportunities.opportunity_type_source = type_mapping.source_type

)

select * from final
