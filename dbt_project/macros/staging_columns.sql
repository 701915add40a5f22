{#-
    Fivetran-style drift tolerance for staging models.

    staging_columns(relation, columns) renders a select list with one cast per expected column.
    columns: list of {"name": raw column name, "type": 'string'|'boolean'|'bigint'|'double'|'money'
    |'date'|'timestamp'}. A column missing from the relation (dlt only creates a column once it saw a
    non-null value, and a connector may drop fields) is selected as null cast to the type, so the
    staging model keeps its shape. Columns the relation has but the list does not are ignored.
-#}
{% macro staging_column_type(type_name) -%}
    {%- if type_name == 'string' -%} {{ dbt.type_string() }}
    {%- elif type_name == 'boolean' -%} {{ dbt.type_boolean() }}
    {%- elif type_name == 'bigint' -%} {{ dbt.type_bigint() }}
    {%- elif type_name == 'double' -%} {{ type_double() }}
    {%- elif type_name == 'money' -%} decimal(18, 2)
    {%- elif type_name == 'date' -%} date
    {%- elif type_name == 'timestamp' -%} {{ dbt.type_timestamp() }}
    {%- else -%} {{ exceptions.raise_compiler_error("unknown staging column type " ~ type_name) }}
    {%- endif -%}
{%- endmacro %}

{% macro staging_columns(relation, columns) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(col.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for col in columns %}
        {%- set sql_type = staging_column_type(col.type) | trim %}
        {%- if col.name | lower in present %}
            {%- if col.type == 'timestamp' %}
        {{ to_utc_timestamp(adapter.quote(col.name)) }} as {{ col.name }}
            {%- else %}
        cast({{ adapter.quote(col.name) }} as {{ sql_type }}) as {{ col.name }}
            {%- endif %}
        {%- else %}
        cast(null as {{ sql_type }}) as {{ col.name }}
        {%- endif %}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#-
    Keep the latest version of each record (greatest version_column, then latest dlt load) and drop
    deleted records (after picking the latest version, so a deletion wins over older live versions).
    cte_name: a CTE holding the typed columns plus _dlt_load_id. version_column none: the latest load wins.
-#}
{% macro dedupe_latest(cte_name, id_column='id', has_is_deleted=true, version_column='system_modstamp') -%}
    select *
    from (
        select
            {{ cte_name }}.*,
            row_number() over (
                partition by {{ id_column }}
                order by {% if version_column %}{{ version_column }} desc nulls last, {% endif -%}
                _dlt_load_id desc nulls last
            ) as _version_rank
        from {{ cte_name }}
    ) as ranked
    where _version_rank = 1
    {%- if has_is_deleted %}
        and not coalesce(is_deleted, false)
    {%- endif %}
{%- endmacro %}

{#- A source table that a connector creates only once it has rows (deletions, tags, costs): its relation,
    or none when it does not exist (yet). -#}
{% macro optional_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {{- return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) if execute else none) -}}
{%- endmacro %}

{#- The distinct ids in column_name of an optional source table (as id_alias, strings); no rows when the
    table does not exist. -#}
{% macro optional_source_ids(source_name, table_name, column_name, id_alias=none) -%}
    {%- set alias = id_alias or column_name -%}
    {%- if optional_source(source_name, table_name) is not none %}
        select distinct cast({{ column_name }} as {{ dbt.type_string() }}) as {{ alias }}
        from {{ source(source_name, table_name) }}
    {%- else %}
        select cast(null as {{ dbt.type_string() }}) as {{ alias }}
        where false
    {%- endif %}
{%- endmacro %}
