{#- Calendar months and quarters of the marts that report dated activity per period (DuckDB and PostgreSQL). -#}

{#- Last day (inclusive) of the period of months_expr months that starts on start_expr, as a date. -#}
{% macro period_end_date(start_expr, months_expr) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', months_expr, start_expr)) }} as date)
{%- endmacro %}

{#-
    A select of every row of relation (a CTE) whose date_column is not null, twice: once in its calendar
    month and once in its calendar quarter. Columns: period_grain ('month', 'quarter'), months_per_period
    (1, 3), period_start (date), then all of the row's own columns. Rows without a date belong to no period.
-#}
{% macro month_and_quarter_rows(relation, date_column='activity_date') -%}
    {%- for grain, months in [('month', 1), ('quarter', 3)] %}
    select
        '{{ grain }}' as period_grain,
        {{ months }} as months_per_period,
        cast({{ dbt.date_trunc(grain, relation ~ '.' ~ date_column) }} as date) as period_start,
        {{ relation }}.*
    from {{ relation }}
    where {{ relation }}.{{ date_column }} is not null
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The columns that name a period of relation (which has period_grain, months_per_period and period_start):
    period_grain, period_label, period_start, period_end (inclusive), comma separated. -#}
{% macro calendar_period_columns(relation) -%}
    {{ relation }}.period_grain,
    {{ period_label(relation ~ '.period_grain', relation ~ '.period_start') }} as period_label,
    {{ relation }}.period_start,
    {{ period_end_date(relation ~ '.period_start', relation ~ '.months_per_period') }} as period_end
{%- endmacro %}
