-- One row per CRM account with its normalised website domain. Accounts are resolved by CRM id first,
-- then by domain: accounts sharing a domain resolve to the earliest created one (resolved_account_id),
-- which is also the only account persons can be matched to by email domain.
with

accounts as (

    select * from {{ ref('int_accounts_unioned') }}

),

ranked as (

    select
        account_id,
        website_domain,
        row_number() over (
            partition by coalesce(website_domain, account_id)
            order by created_at, account_id
        ) as domain_rank,
        first_value(account_id) over (
            partition by coalesce(website_domain, account_id)
            order by created_at, account_id
        ) as resolved_account_id
    from accounts

),

final as (

    select
        account_id,
        resolved_account_id,
        website_domain,
        website_domain is not null and domain_rank = 1 as is_primary_for_domain
    from ranked

)

select * from final
