{#- An amount per unit (cost per customer, per lead): numerator / denominator rounded to the cent as
    decimal(18, 2) (the division in decimal(38, 8)); null unless denominator > 0. -#}
{% macro amount_per(numerator, denominator) -%}
    cast(
        case
            when {{ denominator }} > 0
                then round(cast(({{ numerator }}) / {{ denominator }} as decimal(38, 8)), 2)
        end as decimal(18, 2)
    )
{%- endmacro %}
