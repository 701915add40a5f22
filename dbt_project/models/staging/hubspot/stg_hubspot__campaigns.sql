{{ config(enabled=var('hubspot_enabled', false)) }}

with

source as (

    select
        {{- staging_columns(source('hubspot', 'campaigns'), hubspot_columns('campaigns')) }}
    from {{ source('hubspot', 'campaigns') }}

)

select
    id as campaign_id,
    'hubspot' as source_system,
    name as campaign_name,
    audience as campaign_type,
    status as campaign_status,
    start_date,
    end_date,
    upper(trim(currency_code)) as currency_code,
    budget_amount,
    created_at,
    updated_at as last_modified_at
from source
