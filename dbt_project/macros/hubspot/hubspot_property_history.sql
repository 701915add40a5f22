{#-
    Staging select of a HubSpot property-history table (ingestion/hubspot, propertiesWithHistory; columns
    hubspot_columns('history')): one row per change of the property, the object's id as object_id_alias and
    the new value (empty -> null) as value_alias, then changed_at, source_type, source_id, updated_by_user_id.
    Every change is kept; whether a row enters a new stage is for the marts to decide.
-#}
{% macro hubspot_property_history(table_name, object_id_alias, value_alias) -%}
with

source as (

    select
        {{- staging_columns(source('hubspot', table_name), hubspot_columns('history')) }}
    from {{ source('hubspot', table_name) }}

)

select
    object_id as {{ object_id_alias }},
    nullif(value, '') as {{ value_alias }},
    changed_at,
    source_type,
    source_id,
    updated_by_user_id
from source
{%- endmacro %}
