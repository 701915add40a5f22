{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}
-- HubSpot deals in the CRM opportunities contract (the columns of stg_salesforce__opportunities).
-- stage_name is the deal stage id (seed stage_mapping maps it with source_system 'hubspot'),
-- opportunity_type_source the dealtype option (seed opportunity_type_mapping); closed, probability and
-- the stage label come from the deal pipeline; the account is the deal's primary company.
with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

stages as (

    select * from {{ ref('stg_hubspot__deal_pipeline_stages') }}

),

primary_companies as (

    select
        from_id as deal_id,
        min(to_id) as company_id
    from {{ ref('stg_hubspot__associations') }}
    where
        from_object_type = 'deals'
        and to_object_type = 'companies'
        and is_primary
    group by from_id

),

final as (

    select
        deals.deal_id as opportunity_id,
        primary_companies.company_id as account_id,
        deals.owner_id,
        cast(null as {{ dbt.type_string() }}) as primary_campaign_id,
        deals.source_system,
        deals.deal_name as opportunity_name,
        deals.deal_type_source as opportunity_type_source,
        deals.deal_stage_id as stage_name,
        cast(null as {{ dbt.type_string() }}) as forecast_category,
        deals.lead_source,
        deals.loss_reason,
        deals.currency_code,
        coalesce(stages.is_closed, false) as is_closed,
        deals.is_won,
        deals.amount,
        stages.probability * 100 as probability,
        deals.term_months,
        deals.close_date,
        deals.created_at,
        deals.last_modified_at,
        deals.last_modified_at as system_modified_at
    from deals
    left join stages
        on
            deals.pipeline_id = stages.pipeline_id
            and deals.deal_stage_id = stages.deal_stage_id
    left join primary_companies
        on deals.deal_id = primary_companies.deal_id

)

select * from final
