-- One row per product user who signed up (contract "Activated signups"). The signup is the user's first
-- event named var plg_signup_event; it is activated by the first event listed in seed
-- product_activation_events at or after the signup and at most var plg_activation_window_days days
-- (x 24 hours) after it. Later activation events do not count. The email is the signup's, else the
-- first one any event of the user carries.
{%- set window_days = var('plg_activation_window_days') %}

with

events as (

    select * from {{ ref('stg_product__events') }}

),

activation_events as (

    select * from {{ ref('product_activation_events') }}

),

ranked_signups as (

    select
        user_id,
        event_id as signup_event_id,
        workspace_id,
        email_normalized,
        account_domain,
        event_at as signed_up_at,
        row_number() over (partition by user_id order by event_at, event_id) as signup_rank
    from events
    where event_name = '{{ var("plg_signup_event") }}'

),

signups as (

    select * from ranked_signups
    where signup_rank = 1

),

user_emails as (

    select
        user_id,
        email_normalized,
        row_number() over (partition by user_id order by event_at, event_id) as email_rank
    from events
    where email_normalized is not null

),

activations as (

    select
        signups.user_id,
        events.event_id,
        events.event_name,
        events.event_at,
        row_number() over (
            partition by signups.user_id order by events.event_at, events.event_id
        ) as activation_rank
    from signups
    inner join events
        on signups.user_id = events.user_id
    inner join activation_events
        on events.event_name = activation_events.event_name
    where
        events.event_at >= signups.signed_up_at
        and events.event_at <= {{ dbt.dateadd('day', window_days, 'signups.signed_up_at') }}

),

final as (

    select
        signups.user_id,
        signups.signup_event_id,
        signups.workspace_id,
        coalesce(signups.email_normalized, user_emails.email_normalized) as email_normalized,
        coalesce(
            signups.account_domain,
            {{ email_domain('coalesce(signups.email_normalized, user_emails.email_normalized)') }}
        ) as account_domain,
        activations.event_name as activation_event_name,
        activations.event_id is not null as is_activated,
        signups.signed_up_at,
        activations.event_at as activated_at
    from signups
    left join user_emails
        on
            signups.user_id = user_emails.user_id
            and user_emails.email_rank = 1
    left join activations
        on
            signups.user_id = activations.user_id
            and activations.activation_rank = 1

)

select * from final
