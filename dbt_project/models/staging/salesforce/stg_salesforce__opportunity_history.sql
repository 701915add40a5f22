with

source as (

    select
        {{- staging_columns(source('salesforce', 'opportunity_history'), salesforce_columns('opportunity_history')) }}
    from {{ source('salesforce', 'opportunity_history') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as opportunity_history_id,
        opportunity_id,
        created_by_id,
        stage_name,
        forecast_category,
        amount,
        expected_revenue,
        probability,
        close_date,
        created_date as created_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
