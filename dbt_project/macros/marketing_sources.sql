{#- The union models of the marketing systems (int_campaigns_unioned, int_touchpoints_unioned). -#}

{#-
    The enabled marketing systems, in union order: salesforce (vars salesforce_enabled and
    salesforce_campaigns_enabled), hubspot (hubspot_enabled), marketo (marketo_enabled). A compile error
    naming model_name when none is enabled.
-#}
{% macro enabled_marketing_sources(model_name) -%}
    {%- set sources = [] %}
    {%- if var('salesforce_enabled', true) and var('salesforce_campaigns_enabled', true) %}
        {%- do sources.append('salesforce') %}
    {%- endif %}
    {%- if var('hubspot_enabled', false) %}{% do sources.append('hubspot') %}{% endif %}
    {%- if var('marketo_enabled', false) %}{% do sources.append('marketo') %}{% endif %}
    {%- if not sources %}
        {{- exceptions.raise_compiler_error(model_name ~ ": no marketing source is enabled") }}
    {%- endif %}
    {{- return(sources) }}
{%- endmacro %}

{#- select * from the CTE {source}{suffix} of every source, joined by union all. -#}
{% macro union_source_ctes(sources, suffix) -%}
    {%- for source in sources %}
    select * from {{ source }}{{ suffix }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#-
    A select list of columns in the given order, so that every branch of a union lines up with the
    contract: a column listed in expressions (column name -> SQL expression) is that expression,
    every other column the source's own column of the same name.
-#}
{% macro contract_columns(columns, expressions) -%}
    {%- for column in columns %}
        {%- if column in expressions %}
        {{ expressions[column] }} as {{ column }}
        {%- else %}
        {{ column }}
        {%- endif %}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
