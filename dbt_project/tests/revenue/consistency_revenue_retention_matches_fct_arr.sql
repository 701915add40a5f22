-- Monthly total ARR in fct_revenue_retention equals the sum of account ARR in fct_arr, and every
-- account-month of int_arr_account_monthly with ARR appears in fct_arr (no fan-out, nothing dropped).
with

arr as (

    select * from {{ ref('fct_arr') }}

),

retention as (

    select * from {{ ref('fct_revenue_retention') }}

),

account_months as (

    select * from {{ ref('int_arr_account_monthly') }}

),

arr_totals as (

    select
        month_start,
        sum(ending_arr) as ending_arr
    from arr
    group by month_start

),

total_mismatches as (

    select retention.period_label as row_key
    from retention
    left join arr_totals
        on retention.period_start = arr_totals.month_start
    where
        retention.period_grain = 'month'
        and coalesce(arr_totals.ending_arr, 0) <> retention.ending_arr

),

missing_rows as (

    select account_months.account_id || ' ' || account_months.month_label as row_key
    from account_months
    left join arr
        on
            account_months.account_id = arr.account_id
            and account_months.month_start = arr.month_start
    where account_months.arr_amount > 0 and arr.account_id is null

)

select * from total_mismatches
union all
select * from missing_rows
