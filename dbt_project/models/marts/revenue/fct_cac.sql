-- Customer acquisition cost per calendar month and quarter (contract "CAC", "Cost per lead").
-- Marketing spend = int_spend_daily (CRM campaign actual cost spread over the campaign's days, ad
-- platforms when enabled) on or before as_of_date. Sales and marketing spend = marketing spend + the
-- other S&M costs of seed sales_and_marketing_costs (salaries, tools; one amount per month and category).
-- New customers = accounts whose first won new-business opportunity closes in the period; new persons =
-- dim_persons created in the period. CAC = S&M spend / new customers, marketing CAC = marketing spend /
-- new customers, cost per lead = marketing spend / new persons (beside CAC, never instead of it);
-- each null when its denominator is 0. Periods run from the first month with any of these through the
-- month (quarter) containing as_of_date, zero-filled. Amounts summed unrounded, rounded at the end.
{%- set as_of = as_of_date(var('as_of_date', '')) %}

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

spend_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as month_start,
        sum(spend_amount) as marketing_spend_amount
    from spend
    where spend_date <= {{ as_of }}
    group by cast({{ dbt.date_trunc('month', 'spend_date') }} as date)

),

other_costs_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'cost_month') }} as date) as month_start,
        sum(amount) as other_cost_amount
    from other_costs
    where cost_month <= {{ as_of }}
    group by cast({{ dbt.date_trunc('month', 'cost_month') }} as date)

),

customers_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'acquired_date') }} as date) as month_start,
        count(*) as new_customer_count
    from customers
    group by cast({{ dbt.date_trunc('month', 'acquired_date') }} as date)

),

persons_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        count(*) as new_person_count
    from persons
    where cast(created_at as date) <= {{ as_of }}
    group by cast({{ dbt.date_trunc('month', 'created_at') }} as date)

),

first_month as (

    select min(month_start) as first_month_start
    from (
        select month_start from spend_monthly
        union all
        select month_start from other_costs_monthly
        union all
        select month_start from customers_monthly
        union all
        select month_start from persons_monthly
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
        cast({{ dbt.date_trunc('quarter', 'months.month_start') }} as date) as quarter_start,
        coalesce(spend_monthly.marketing_spend_amount, 0) as marketing_spend_amount,
        coalesce(other_costs_monthly.other_cost_amount, 0) as other_cost_amount,
        coalesce(customers_monthly.new_customer_count, 0) as new_customer_count,
        coalesce(persons_monthly.new_person_count, 0) as new_person_count
    from months
    left join spend_monthly
        on months.month_start = spend_monthly.month_start
    left join other_costs_monthly
        on months.month_start = other_costs_monthly.month_start
    left join customers_monthly
        on months.month_start = customers_monthly.month_start
    left join persons_monthly
        on months.month_start = persons_monthly.month_start

),

periods as (

    select
        'month' as period_grain,
        month_start as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as period_end,
        new_customer_count,
        new_person_count,
        marketing_spend_amount,
        other_cost_amount
    from monthly

    union all

    select
        'quarter' as period_grain,
        quarter_start as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarter_start')) }} as date) as period_end,
        sum(new_customer_count) as new_customer_count,
        sum(new_person_count) as new_person_count,
        sum(marketing_spend_amount) as marketing_spend_amount,
        sum(other_cost_amount) as other_cost_amount
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
        cast(
            case
                when new_customer_count > 0
                    then round(cast((marketing_spend_amount + other_cost_amount) / new_customer_count as decimal(38, 8)), 2)
            end as decimal(18, 2)
        ) as cac_amount,
        cast(
            case
                when new_customer_count > 0
                    then round(cast(marketing_spend_amount / new_customer_count as decimal(38, 8)), 2)
            end as decimal(18, 2)
        ) as marketing_cac_amount,
        cast(
            case
                when new_person_count > 0
                    then round(cast(marketing_spend_amount / new_person_count as decimal(38, 8)), 2)
            end as decimal(18, 2)
        ) as cost_per_lead_amount
    from periods

)

select * from final
