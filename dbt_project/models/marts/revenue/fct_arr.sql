-- ARR movements per account and month (contract "Net new ARR"). The movement is classified by the
-- change in the account's month-end ARR against the previous month: from 0 to > 0 is new (a reactivation
-- when the account had ARR before; reactivation_arr is the part of new_arr from returning customers),
-- an increase is expansion, a decrease to > 0 is contraction, a decrease to 0 is churn. Rows only for
-- months in which the account starts or ends with ARR.
with

account_months as (

    select * from {{ ref('int_arr_account_monthly') }}

),

compared as (

    select
        account_id,
        month_label,
        month_start,
        month_end,
        cast(
            coalesce(lag(arr_amount) over (partition by account_id order by month_start), 0) as decimal(18, 2)
        ) as starting_arr,
        arr_amount as ending_arr,
        coalesce(
            max(arr_amount) over (
                partition by account_id
                order by month_start
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) > 0 as had_arr_before
    from account_months

),

final as (

    select
        account_id,
        month_label,
        month_start,
        month_end,
        case
            when starting_arr = 0 and ending_arr > 0 and had_arr_before then 'reactivation'
            when starting_arr = 0 and ending_arr > 0 then 'new'
            when starting_arr > 0 and ending_arr = 0 then 'churn'
            when ending_arr > starting_arr then 'expansion'
            when ending_arr < starting_arr then 'contraction'
            else 'unchanged'
        end as movement_type,
        starting_arr,
        cast(case when starting_arr = 0 and ending_arr > 0 then ending_arr else 0 end as decimal(18, 2)) as new_arr,
        cast(
            case when starting_arr = 0 and ending_arr > 0 and had_arr_before then ending_arr else 0 end
            as decimal(18, 2)
        ) as reactivation_arr,
        cast(
            case when starting_arr > 0 and ending_arr > starting_arr then ending_arr - starting_arr else 0 end
            as decimal(18, 2)
        ) as expansion_arr,
        cast(
            case when ending_arr > 0 and ending_arr < starting_arr then starting_arr - ending_arr else 0 end
            as decimal(18, 2)
        ) as contraction_arr,
        cast(case when starting_arr > 0 and ending_arr = 0 then starting_arr else 0 end as decimal(18, 2))
            as churn_arr,
        cast(ending_arr - starting_arr as decimal(18, 2)) as net_new_arr,
        ending_arr
    from compared
    where starting_arr > 0 or ending_arr > 0

)

select * from final
