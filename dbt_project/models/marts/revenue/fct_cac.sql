-- Customer acquisition cost per calendar month and quarter (contract "CAC", "Cost per lead").
-- Marketing spend = int_spend_daily (CRM campaign actual cost, HubSpot campaign spend items or Marketo
-- period costs, spread over the campaign's days; ad platforms when enabled) on or before as_of_date.
-- Sales and marketing spend = marketing spend + the other S&M costs of seed sales_and_marketing_costs
-- (salaries, tools; one amount per month and category).
-- New customers = accounts whose first won new-business opportunity closes in the period; new persons =
-- dim_persons created in the period. CAC = S&M spend / new customers, marketing CAC = marketing spend /
-- new customers, cost per lead = marketing spend / new persons (beside CAC, never instead of it);
-- each null when its denominator is 0. Periods run from the first month with any of these through the
-- month (quarter) containing as_of_date, zero-filled. Amounts summed unrounded, rounded at the end.
{%- set as_of = as_of_date(var('as_of_date', '')) %}
{#- The monthly inputs: CTE, date column, aggregate per month and the measure it gives. Only dates on or
    before as_of_date count. -#}
{%- set inputs = [
    {'cte': 'spend', 'date': 'spend_date', 'aggregate': 'sum(spend_amount)', 'measure': 'marketing_spend_amount'},
    {'cte': 'other_costs', 'date': 'cost_month', 'aggregate': 'sum(amount)', 'measure': 'other_cost_amount'},
    {'cte': 'customers', 'date': 'acquired_date', 'aggregate': 'count(*)', 'measure': 'new_customer_count'},
    {'cte': 'persons', 'date': 'created_at', 'aggregate': 'count(*)', 'measure': 'new_person_count'},
] %}

with

spend as (

    select * from {{ ref('int_spend_daily') }}

),

other_costs as (

    select * from {{ ref('sales_and_marketing_costs') }}

),

customers as (

    select * from {{ ref('int_customers_acquired') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

{% for input in inputs -%}
    {{ input.cte }}_monthly as (

        select
            cast({{ dbt.date_trunc('month', input.date) }} as date) as month_start,
            {{ input.aggregate }} as {{ input.measure }}
        from {{ input.cte }}
        where cast({{ input.date }} as date) <= {{ as_of }}
        group by cast({{ dbt.date_trunc('month', input.date) }} as date)

    ),

{% endfor -%}
first_month as (

    select min(month_start) as first_month_start
    from (
        {%- for input in inputs %}
            select month_start from {{ input.cte }}_monthly
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ) as activity_months

),

months as (

    select
        cast({{ dbt.dateadd('month', 'series.n', 'first_month.first_month_start') }} as date) as month_start
    from first_month
    cross join {{ integer_series(3) }} as series
    where
        first_month.first_month_start is not null
        and series.n <= {{ dbt.datediff('first_month.first_month_start', as_of, 'month') }}

),

monthly as (

    select
        months.month_start,
        {%- for input in inputs %}
            coalesce({{ input.cte }}_monthly.{{ input.measure }}, 0) as {{ input.measure }},
        {%- endfor %}
        cast({{ dbt.date_trunc('quarter', 'months.month_start') }} as date) as quarter_start
    from months
    {% for input in inputs -%}
        left join {{ input.cte }}_monthly
            on months.month_start = {{ input.cte }}_monthly.month_start
    {% endfor %}

),

periods as (

    select
        'month' as period_grain,
        {%- for input in inputs %}
            {{ input.measure }},
        {%- endfor %}
        month_start as period_start,
        {{ period_end_date('month_start', 1) }} as period_end
    from monthly

    union all

    select
        'quarter' as period_grain,
        {%- for input in inputs %}
            sum({{ input.measure }}) as {{ input.measure }},
        {%- endfor %}
        quarter_start as period_start,
        {{ period_end_date('quarter_start', 3) }} as period_end
    from monthly
    group by quarter_start

),

final as (

    select
        period_grain,
        {{ period_label('period_grain', 'period_start') }} as period_label,
        period_start,
        period_end,
        cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(new_person_count as {{ dbt.type_bigint() }}) as new_person_count,
        cast(round(marketing_spend_amount, 2) as decimal(18, 2)) as marketing_spend_amount,
        cast(round(other_cost_amount, 2) as decimal(18, 2)) as other_sales_marketing_cost_amount,
        cast(round(marketing_spend_amount + other_cost_amount, 2) as decimal(18, 2))
            as sales_marketing_spend_amount,
        {{ amount_per('marketing_spend_amount + other_cost_amount', 'new_customer_count') }} as cac_amount,
        {{ amount_per('marketing_spend_amount', 'new_customer_count') }} as marketing_cac_amount,
        {{ amount_per('marketing_spend_amount', 'new_person_count') }} as cost_per_lead_amount
    from periods

)

select * from final
