{%- set as_of = as_of_date(var('as_of_date', '')) %}

with

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}

),

users as (

    select * from {{ ref('int_users_unioned') }}

),

icp_definition as (

    select * from {{ ref('icp_definition') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

icp_fits as (

    select distinct accounts.account_id
    from accounts
    inner join icp_definition
        on
            accounts.industry = icp_definition.industry
            and accounts.number_of_employees >= icp_definition.min_employees
            and accounts.number_of_employees <= icp_definition.max_employees

),

first_wins as (

    select
        account_id,
        min(close_date) as first_won_date
    from opportunities
    where
        is_won
        and close_date <= {{ as_of }}
    group by account_id

),

final as (

    select
        accounts.account_id,
        resolved.resolved_account_id,
        accounts.owner_id,
        users.user_name as owner_name,
        accounts.parent_account_id,
        accounts.account_name,
        accounts.website_domain as domain,
        accounts.industry,
        accounts.billing_country as country,
        accounts.account_type,
        icp_fits.account_id is not null as is_icp_fit,
        first_wins.first_won_date is not null as is_customer,
        accounts.number_of_employees,
        accounts.annual_revenue,
        first_wins.first_won_date,
        accounts.created_at
    from accounts
    inner join resolved
        on accounts.account_id = resolved.account_id
    left join users
        on accounts.owner_id = users.user_id
    left join icp_fits
        on accounts.account_id = icp_fits.account_id
    left join first_wins
        on accounts.account_id = first_wins.account_id

)

select * from final
