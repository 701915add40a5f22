with

persons as (

    select * from {{ ref('int_persons_resolved') }}

),

accounts as (

    select * from {{ ref('int_accounts_resolved') }}

),

free_mail_domains as (

    select * from {{ ref('free_mail_domains') }}

),

users as (

    select * from {{ ref('int_users_unioned') }}

),

domain_accounts as (

    select
        accounts.website_domain,
        accounts.account_id
    from accounts
    left join free_mail_domains
        on accounts.website_domain = free_mail_domains.domain
    where
        accounts.is_primary_for_domain
        and free_mail_domains.domain is null

),

final as (

    select
        persons.person_id,
        coalesce(crm_accounts.account_id, domain_accounts.account_id) as account_id,
        persons.owner_id,
        users.user_name as owner_name,
        persons.salesforce_contact_id,
        persons.salesforce_contact_ids,
        persons.salesforce_lead_ids,
        persons.source_record_ids,
        persons.primary_record_type,
        persons.email,
        persons.email_normalized,
        persons.email_domain,
        case
            when crm_accounts.account_id is not null then 'crm'
            when domain_accounts.account_id is not null then 'email_domain'
        end as account_match_method,
        persons.buying_role,
        persons.lead_source,
        persons.is_converted,
        persons.source_record_count,
        persons.created_at
    from persons
    left join accounts as crm_accounts
        on persons.crm_account_id = crm_accounts.account_id
    left join domain_accounts
        on persons.email_domain = domain_accounts.website_domain
    left join users
        on persons.owner_id = users.user_id

)

select * from final
