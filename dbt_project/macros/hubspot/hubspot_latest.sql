{#- The latest version of each HubSpot record (greatest updated_at, then latest dlt load), archived ones
    dropped after picking it (an archive wins over older live versions). Merge on id keeps one row per id
    already; this keeps staging correct if a table is ever appended to. -#}
{% macro hubspot_latest(cte_name) -%}
    select *
    from (
        select
            {{ cte_name }}.*,
            row_number() over (
                partition by id
                order by updated_at desc nulls last, _dlt_load_id desc nulls last
            ) as _version_rank
        from {{ cte_name }}
    ) as ranked
    where _version_rank = 1
        and not coalesce(is_deleted, false)
{%- endmacro %}
