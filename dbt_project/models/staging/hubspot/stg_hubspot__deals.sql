{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}

with

source as (

    select
        {{- staging_columns(source('hubspot', 'deals'), hubspot_columns('deals')) }}
    from {{ source('hubspot', 'deals') }}

),

latest as (

    {{ hubspot_latest('source') }}

),

renamed as (

    select
        id as deal_id,
        hubspot_owner_id as owner_id,
        'hubspot' as source_system,
        dealname as deal_name,
        dealtype as deal_type_source,
        pipeline as pipeline_id,
        dealstage as deal_stage_id,
        hs_analytics_source as lead_source,
        closed_lost_reason as loss_reason,
        upper(trim(deal_currency_code)) as currency_code,
        coalesce(hs_is_closed_won, false) as is_won,
        amount,
        term_months,
        cast(closedate as date) as close_date,
        coalesce(createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as last_modified_at
    from latest

)

select * from renamed
