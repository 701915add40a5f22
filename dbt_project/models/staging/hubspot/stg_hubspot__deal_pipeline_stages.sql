{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}

with

source as (

    select
        {{- staging_columns(source('hubspot', 'deal_pipeline_stages'), hubspot_columns('deal_pipeline_stages')) }}
    from {{ source('hubspot', 'deal_pipeline_stages') }}

)

select
    pipeline_id,
    stage_id as deal_stage_id,
    label as deal_stage_label,
    display_order,
    probability,
    coalesce(is_closed, false) as is_closed,
    coalesce(is_closed, false) and probability >= 1.0 as is_won
from source
where not coalesce(archived, false)
