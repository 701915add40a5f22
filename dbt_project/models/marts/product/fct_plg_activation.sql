-- One row per product signup (user): who signed up, whether and when they activated (contract "Activated
-- signups", int_signups_activated), the CRM person their email resolves to (int_person_records on the
-- normalised email; when two persons share it, the contact's, then the smallest person_id), their
-- account (the person's account in dim_persons, else the account whose website domain is the signup's
-- domain; free-mail domains never match) and what followed in sales: the account's first opportunity
-- created at or after the signup and its first won opportunity closed on or after the signup day.
with

signups as (

    select * from {{ ref('int_signups_activated') }}

),

person_records as (

    select * from {{ ref('int_person_records') }}

),

persons as (

    select * from {{ ref('dim_persons') }}

),

accounts as (

    select * from {{ ref('int_accounts_resolved') }}

),

free_mail_domains as (

    select * from {{ ref('free_mail_domains') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

email_persons as (

    select
        email_normalized,
        person_id,
        row_number() over (
            partition by email_normalized order by record_priority, person_id
        ) as person_rank
    from person_records
    where email_normalized is not null

),

resolved as (

    select
        signups.*,
        email_persons.person_id,
        coalesce(persons.account_id, domain_accounts.resolved_account_id) as account_id,
        case
            when persons.account_id is not null then 'person'
            when domain_accounts.resolved_account_id is not null then 'email_domain'
        end as account_match_method
    from signups
    left join email_persons
        on
            signups.email_normalized = email_persons.email_normalized
            and email_persons.person_rank = 1
    left join persons
        on email_persons.person_id = persons.person_id
    left join free_mail_domains
        on signups.account_domain = free_mail_domains.domain
    left join accounts as domain_accounts
        on
            signups.account_domain = domain_accounts.website_domain
            and domain_accounts.is_primary_for_domain
            and free_mail_domains.domain is null

),

later_opportunities as (

    select
        resolved.user_id,
        opportunities.opportunity_id,
        opportunities.created_at,
        row_number() over (
            partition by resolved.user_id order by opportunities.created_at, opportunities.opportunity_id
        ) as opportunity_rank
    from resolved
    inner join opportunities
        on
            resolved.account_id = opportunities.account_id
            and resolved.signed_up_at <= opportunities.created_at

),

later_wins as (

    select
        resolved.user_id,
        opportunities.opportunity_id,
        opportunities.close_date,
        opportunities.amount_reporting,
        row_number() over (
            partition by resolved.user_id order by opportunities.close_date, opportunities.opportunity_id
        ) as win_rank
    from resolved
    inner join opportunities
        on
            resolved.account_id = opportunities.account_id
            and opportunities.is_won
            and opportunities.close_date >= cast(resolved.signed_up_at as date)

),

final as (

    select
        resolved.user_id,
        resolved.signup_event_id,
        resolved.workspace_id,
        resolved.person_id,
        resolved.account_id,
        later_opportunities.opportunity_id as first_opportunity_id,
        later_wins.opportunity_id as first_won_opportunity_id,
        resolved.account_domain,
        resolved.account_match_method,
        resolved.activation_event_name,
        {{ period_label("'month'", 'resolved.signed_up_at') }} as signup_month,
        resolved.person_id is not null as is_known_person,
        resolved.is_activated,
        later_opportunities.opportunity_id is not null as has_later_opportunity,
        later_wins.opportunity_id is not null as has_later_win,
        case
            when resolved.is_activated
                then round(
                    cast(
                        {{ dbt.datediff('resolved.signed_up_at', 'resolved.activated_at', 'second') }}
                        as {{ dbt.type_numeric() }}
                    ) / 86400,
                    2
                )
        end as days_to_activate,
        later_wins.amount_reporting as first_won_amount_reporting,
        resolved.signed_up_at,
        resolved.activated_at,
        later_opportunities.created_at as first_opportunity_created_at,
        later_wins.close_date as first_won_close_date
    from resolved
    left join later_opportunities
        on
            resolved.user_id = later_opportunities.user_id
            and later_opportunities.opportunity_rank = 1
    left join later_wins
        on
            resolved.user_id = later_wins.user_id
            and later_wins.win_rank = 1

)

select * from final
