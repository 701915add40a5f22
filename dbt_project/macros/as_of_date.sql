{#-
    The business "today" as a SQL date expression.
    value: a 'YYYY-MM-DD' string; defaults to var('as_of_date') (from ONEFUNNEL_AS_OF_DATE).
    Empty -> current_date of the session (the DuckDB profile pins TimeZone to UTC).
    Models call it as as_of_date(var('as_of_date', '')) so unit tests can override the var.
-#}
{% macro as_of_date(value=none) -%}
    {%- set v = var('as_of_date', '') if value is none else value -%}
    {%- if v is not none and (v | string | trim) != '' -%}
        cast('{{ v | string | trim }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
