{{ config(enabled=var('hubspot_enabled', false)) }}

with

source as (

    select
        {{- staging_columns(source('hubspot', 'email_events'), hubspot_columns('email_events')) }}
    from {{ source('hubspot', 'email_events') }}

)

select
    id as email_event_id,
    upper(type) as event_type,
    email_campaign_id,
    {{ normalize_email('recipient') }} as email_normalized,
    created_at as occurred_at,
    sent_by_id as sent_event_id
from source
