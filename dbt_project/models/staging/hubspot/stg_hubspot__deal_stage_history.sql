{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}

{#- One row per change of the property (propertiesWithHistory), oldest first per deal. A stage entry is
    a row whose value differs from the previous row's (the marts decide; staging keeps every change). -#}
with

source as (

    select
        {{- staging_columns(source('hubspot', 'deal_stage_history'), hubspot_columns('history')) }}
    from {{ source('hubspot', 'deal_stage_history') }}

)

select
    object_id as deal_id,
    nullif(value, '') as deal_stage_id,
    changed_at,
    source_type,
    source_id,
    updated_by_user_id
from source
