with

source as (

    select
        {{- staging_columns(source('salesforce', 'opportunity'), salesforce_columns('opportunity')) }}
    from {{ source('salesforce', 'opportunity') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as opportunity_id,
        account_id,
        owner_id,
        campaign_id as primary_campaign_id,
        'salesforce' as source_system,
        name as opportunity_name,
        type as opportunity_type_source,
        stage_name,
        forecast_category_name as forecast_category,
        lead_source,
        loss_reason_c as loss_reason,
        upper(trim(currency_iso_code)) as currency_code,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        amount,
        probability,
        term_months_c as term_months,
        close_date,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
