{#- Fail compilation with a clear message when a var is not one of the allowed choices. -#}
{% macro check_choice(var_name, value, choices) -%}
    {%- if value not in choices -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ var_name ~ " must be one of " ~ (choices | join(', ')) ~ ", got '" ~ value ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}
