{{ config(enabled=var('salesforce_enabled', true) and var('salesforce_campaigns_enabled', true)) }}

with

source as (

    select
        {{- staging_columns(source('salesforce', 'campaign'), salesforce_columns('campaign')) }}
    from {{ source('salesforce', 'campaign') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as campaign_id,
        parent_id as parent_campaign_id,
        owner_id,
        name as campaign_name,
        type as campaign_type,
        status as campaign_status,
        currency_iso_code as currency_code,
        is_active,
        budgeted_cost,
        actual_cost,
        start_date,
        end_date,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
