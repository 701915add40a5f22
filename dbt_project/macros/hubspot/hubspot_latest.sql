{#- The latest version of each HubSpot record (greatest updated_at, then latest dlt load), archived ones
    dropped after picking it (an archive wins over older live versions). Merge on id keeps one row per id
    already; this keeps staging correct if a table is ever appended to. -#}
{% macro hubspot_latest(cte_name) -%}
    {{ dedupe_latest(cte_name, 'id', true, 'updated_at') }}
{%- endmacro %}
