-- Every ARR row and period adds up: starting + new + expansion - contraction - churn = ending, and a
-- period's starting ARR is the previous period's ending ARR (to the cent). Returns offending rows.
with

arr as (

    select * from {{ ref('fct_arr') }}

),

retention as (

    select * from {{ ref('fct_revenue_retention') }}

),

unbalanced_accounts as (

    select
        'fct_arr' as source_model,
        account_id || ' ' || month_label as row_key
    from arr
    where starting_arr + new_arr + expansion_arr - contraction_arr - churn_arr <> ending_arr

),

unbalanced_periods as (

    select
        'fct_revenue_retention' as source_model,
        period_grain || ' ' || period_label as row_key
    from retention
    where starting_arr + new_arr + expansion_arr - contraction_arr - churn_arr <> ending_arr

),

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
        from retention
    ) as chained
    where previous_ending_arr is not null and previous_ending_arr <> starting_arr

)

select * from unbalanced_accounts
union all
select * from unbalanced_periods
union all
select * from broken_chain
