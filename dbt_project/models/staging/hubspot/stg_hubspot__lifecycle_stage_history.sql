{{ config(enabled=var('hubspot_enabled', false)) }}

{#- One row per change of the property (propertiesWithHistory), oldest first per contact. A stage entry is
    a row whose value differs from the previous row's (the marts decide; staging keeps every change). -#}
with

source as (

    select
        {{- staging_columns(source('hubspot', 'lifecycle_stage_history'), hubspot_columns('history')) }}
    from {{ source('hubspot', 'lifecycle_stage_history') }}

)

select
    object_id as contact_id,
    nullif(value, '') as lifecycle_stage,
    changed_at,
    source_type,
    source_id,
    updated_by_user_id
from source
