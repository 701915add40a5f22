{{ config(enabled=var('hubspot_enabled', false)) }}

{#- One row per change of a contact's lifecycle stage (hubspot_property_history). -#}
{{ hubspot_property_history('lifecycle_stage_history', 'contact_id', 'lifecycle_stage') }}
