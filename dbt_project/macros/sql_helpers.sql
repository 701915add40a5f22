{#- Small portable SQL helpers (DuckDB and PostgreSQL). -#}

{#- A timestamp with time zone -> naive timestamp in UTC. -#}
{% macro to_utc_timestamp(expr) -%}
    cast(cast({{ expr }} as timestamp with time zone) at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- lower(trim()) of an email; empty -> null. -#}
{% macro normalize_email(expr) -%}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}

{#- Domain part of an already normalised email; null when there is no '@'. -#}
{% macro email_domain(expr) -%}
    case
        when {{ expr }} like '%_@_%'
            then nullif({{ dbt.split_part(expr, "'@'", 2) }}, '')
    end
{%- endmacro %}

{#- Website -> bare domain: lower case, no scheme, no leading www., no path, query or port. -#}
{% macro normalize_domain(expr) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(lower(trim({{ expr }})), '^[a-z][a-z0-9+.-]*://', ''),
                '^www\.', ''
            ),
            '[/?#:].*$', ''
        ),
        ''
    )
{%- endmacro %}

{#- Integers 0 .. 10^digits - 1 as a subquery with column n (a portable generate_series). -#}
{% macro integer_series(digits=4) -%}
    (
        select
            {% for i in range(digits) -%}
                d{{ i }}.n * {{ 10 ** i }}{{ " + " if not loop.last }}
            {%- endfor %} as n
        from
            {% for i in range(digits) -%}
                (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d{{ i }} (n){{ "," if not loop.last }}
            {% endfor %}
    )
{%- endmacro %}

{#- Calendar period label: 'YYYY-Qn' for quarters, 'YYYY-MM' for months. -#}
{% macro period_label(period_grain_expr, date_expr) -%}
    case
        when {{ period_grain_expr }} = 'quarter'
            then cast(extract(year from {{ date_expr }}) as {{ dbt.type_string() }})
            || '-Q'
            || cast(extract(quarter from {{ date_expr }}) as {{ dbt.type_string() }})
        else cast(extract(year from {{ date_expr }}) as {{ dbt.type_string() }})
            || '-'
            || lpad(cast(extract(month from {{ date_expr }}) as {{ dbt.type_string() }}), 2, '0')
    end
{%- endmacro %}

{#- 64-bit float on every adapter (dbt.type_float() is a 32-bit float on DuckDB). -#}
{% macro type_double() -%}
    double precision
{%- endmacro %}

{#-
    Continuous median of expr in an aggregate: the standard ordered-set percentile_cont(0.5) (PostgreSQL
    and most warehouses); on DuckDB its native median(), the same interpolated value.
-#}
{% macro median(expr) -%}
    {%- if target is defined and target.type == 'duckdb' -%}
        median({{ expr }})
    {%- else -%}
        percentile_cont(0.5) within group (order by {{ expr }})
    {%- endif -%}
{%- endmacro %}
