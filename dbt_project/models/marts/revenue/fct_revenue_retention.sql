-- ARR, its movements and retention per calendar month and quarter (contract "Net new ARR", "NRR",
-- "GRR"). Quarter movements are the sums of the monthly movements; quarter starting ARR is that of
-- its first month, ending ARR and retention those of its last month (the as_of month for the current
-- quarter). Retention cohort of a month M: accounts with ARR at the end of M minus
-- retention_lookback_months (12). NRR = their ARR at M / their ARR then; GRR caps each account at its
-- ARR then (no expansion). Null while no account had ARR a lookback ago.
{%- set lookback = var('retention_lookback_months', 12) | int %}
{#- The ARR movements of fct_arr: a month's total and a quarter's are sums of the account movements. -#}
{%- set movements = ['new_arr', 'reactivation_arr', 'expansion_arr', 'contraction_arr', 'churn_arr', 'net_new_arr'] %}

with

arr as (

    select * from {{ ref('fct_arr') }}

),

monthly as (

    select
        month_label,
        month_start,
        month_end,
        sum(case when ending_arr > 0 then 1 else 0 end) as customer_count,
        sum(starting_arr) as starting_arr,
        {%- for movement in movements %}
            sum({{ movement }}) as {{ movement }},
        {%- endfor %}
        sum(ending_arr) as ending_arr
    from arr
    group by month_label, month_start, month_end

),

cohort as (

    select
        monthly.month_start,
        count(cohort_start.account_id) as retention_cohort_customer_count,
        sum(cohort_start.ending_arr) as retention_cohort_starting_arr,
        sum(coalesce(current_arr.ending_arr, 0)) as retention_cohort_ending_arr,
        sum(
            case
                when coalesce(current_arr.ending_arr, 0) > cohort_start.ending_arr then cohort_start.ending_arr
                else coalesce(current_arr.ending_arr, 0)
            end
        ) as retention_cohort_capped_arr
    from monthly
    inner join arr as cohort_start
        on
            cohort_start.month_start = cast({{ dbt.dateadd('month', -lookback, 'monthly.month_start') }} as date)
            and cohort_start.ending_arr > 0
    left join arr as current_arr
        on
            cohort_start.account_id = current_arr.account_id
            and monthly.month_start = current_arr.month_start
    group by monthly.month_start

),

months as (

    select
        'month' as period_grain,
        monthly.month_label as period_label,
        monthly.month_start as period_start,
        monthly.month_end as period_end,
        monthly.customer_count,
        monthly.starting_arr,
        {%- for movement in movements %}
            monthly.{{ movement }},
        {%- endfor %}
        monthly.ending_arr,
        coalesce(cohort.retention_cohort_customer_count, 0) as retention_cohort_customer_count,
        coalesce(cohort.retention_cohort_starting_arr, 0) as retention_cohort_starting_arr,
        coalesce(cohort.retention_cohort_ending_arr, 0) as retention_cohort_ending_arr,
        coalesce(cohort.retention_cohort_capped_arr, 0) as retention_cohort_capped_arr
    from monthly
    left join cohort
        on monthly.month_start = cohort.month_start

),

months_in_quarter as (

    select
        months.*,
        cast({{ dbt.date_trunc('quarter', 'months.period_start') }} as date) as quarter_start,
        row_number() over (
            partition by {{ dbt.date_trunc('quarter', 'months.period_start') }}
            order by months.period_start
        ) as month_rank_asc,
        row_number() over (
            partition by {{ dbt.date_trunc('quarter', 'months.period_start') }}
            order by months.period_start desc
        ) as month_rank_desc
    from months

),

quarters as (

    select
        'quarter' as period_grain,
        {{ period_label("'quarter'", 'quarter_start') }} as period_label,
        quarter_start as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarter_start')) }} as date) as period_end,
        sum(case when month_rank_desc = 1 then customer_count else 0 end) as customer_count,
        sum(case when month_rank_asc = 1 then starting_arr else 0 end) as starting_arr,
        {%- for movement in movements %}
            sum({{ movement }}) as {{ movement }},
        {%- endfor %}
        sum(case when month_rank_desc = 1 then ending_arr else 0 end) as ending_arr,
        sum(case when month_rank_desc = 1 then retention_cohort_customer_count else 0 end)
            as retention_cohort_customer_count,
        sum(case when month_rank_desc = 1 then retention_cohort_starting_arr else 0 end)
            as retention_cohort_starting_arr,
        sum(case when month_rank_desc = 1 then retention_cohort_ending_arr else 0 end)
            as retention_cohort_ending_arr,
        sum(case when month_rank_desc = 1 then retention_cohort_capped_arr else 0 end)
            as retention_cohort_capped_arr
    from months_in_quarter
    group by quarter_start

),

unioned as (

    select * from months
    union all
    select * from quarters

),

final as (

    select
        period_grain,
        period_label,
        period_start,
        period_end,
        cast(customer_count as {{ dbt.type_bigint() }}) as customer_count,
        cast(starting_arr as decimal(18, 2)) as starting_arr,
        {%- for movement in movements %}
            cast({{ movement }} as decimal(18, 2)) as {{ movement }},
        {%- endfor %}
        cast(ending_arr as decimal(18, 2)) as ending_arr,
        cast(retention_cohort_customer_count as {{ dbt.type_bigint() }}) as retention_cohort_customer_count,
        cast(retention_cohort_starting_arr as decimal(18, 2)) as retention_cohort_starting_arr,
        cast(retention_cohort_ending_arr as decimal(18, 2)) as retention_cohort_ending_arr,
        cast(retention_cohort_capped_arr as decimal(18, 2)) as retention_cohort_capped_arr,
        case
            when retention_cohort_starting_arr > 0
                then cast(retention_cohort_ending_arr as {{ type_double() }}) / retention_cohort_starting_arr
        end as net_revenue_retention,
        case
            when retention_cohort_starting_arr > 0
                then cast(retention_cohort_capped_arr as {{ type_double() }}) / retention_cohort_starting_arr
        end as gross_revenue_retention
    from unioned

)

select * from final
