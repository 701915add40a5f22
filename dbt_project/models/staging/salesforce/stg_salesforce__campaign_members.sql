{{ config(enabled=var('salesforce_enabled', true) and var('salesforce_campaigns_enabled', true)) }}

with

source as (

    select
        {{- staging_columns(source('salesforce', 'campaign_member'), salesforce_columns('campaign_member')) }}
    from {{ source('salesforce', 'campaign_member') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as campaign_member_id,
        campaign_id,
        lead_id,
        contact_id,
        status as member_status,
        coalesce(has_responded, false) as has_responded,
        first_responded_date,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
