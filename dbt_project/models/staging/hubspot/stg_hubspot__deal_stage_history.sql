{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}

{#- One row per change of a deal's stage (hubspot_property_history). -#}
{{ hubspot_property_history('deal_stage_history', 'deal_id', 'deal_stage_id') }}
