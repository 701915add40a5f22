-- Every ARR row and period adds up: starting + new + expansion - contraction - churn = ending, and a
-- period's starting ARR is the previous period's ending ARR (to the cent). Returns offending rows.
{%- set row_keys = {
    'fct_arr': "account_id || ' ' || month_label",
    'fct_revenue_retention': "period_grain || ' ' || period_label",
} %}
with

{% for model, row_key in row_keys.items() -%}
    unbalanced_{{ model }} as (

        select
            '{{ model }}' as source_model,
            {{ row_key }} as row_key
        from {{ ref(model) }}
        where starting_arr + new_arr + expansion_arr - contraction_arr - churn_arr <> ending_arr

    ),

{% endfor -%}
broken_chain as (

    select
        'fct_revenue_retention chain' as source_model,
        period_grain || ' ' || period_label as row_key
    from (
        select
            period_grain,
            period_label,
            starting_arr,
            lag(ending_arr) over (partition by period_grain order by period_start) as previous_ending_arr
        from {{ ref('fct_revenue_retention') }}
    ) as chained
    where previous_ending_arr is not null and previous_ending_arr <> starting_arr

)

{% for model in row_keys -%}
    select * from unbalanced_{{ model }}
    union all
{% endfor -%}
select * from broken_chain
