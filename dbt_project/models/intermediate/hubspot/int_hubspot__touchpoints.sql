{{ config(enabled=var('hubspot_enabled', false)) }}
-- HubSpot touches in the touchpoints contract: every form submission, and the first CLICK on each sent
-- marketing email (its SENT event, sentBy; else per recipient and email campaign): a click is HubSpot's
-- email response, as a responded member is Salesforce's; further clicks on the same send are not touches.
-- A submission's campaign is the campaign its form is named after (form name = campaign name, or
-- campaign name followed by var hubspot_form_name_suffix); an email touch keeps HubSpot's email
-- campaign id and takes var hubspot_email_campaign_type as its campaign type (the email events API does
-- not say which marketing campaign an email belongs to). person_record_id is the HubSpot contact with the
-- touch's email (the earliest created one); a touch whose email matches no live contact keeps a null
-- person_record_id here and is reported by the data-quality suite, never dropped silently.
{%- set form_suffix = var('hubspot_form_name_suffix', ' form') %}
with

submissions as (

    select * from {{ ref('stg_hubspot__form_submissions') }}

),

email_events as (

    select * from {{ ref('stg_hubspot__email_events') }}

),

campaigns as (

    select * from {{ ref('stg_hubspot__campaigns') }}

),

contacts as (

    select
        email_normalized,
        contact_id,
        row_number() over (
            partition by email_normalized
            order by created_at, contact_id
        ) as contact_rank
    from {{ ref('stg_hubspot__contacts') }}
    where email_normalized is not null

),

form_campaigns as (

    select
        submissions.submission_id,
        campaigns.campaign_id,
        campaigns.campaign_type,
        row_number() over (
            partition by submissions.submission_id
            order by campaigns.created_at, campaigns.campaign_id
        ) as campaign_rank
    from submissions
    inner join campaigns
        on
            submissions.form_name = campaigns.campaign_name
            or submissions.form_name = campaigns.campaign_name || '{{ form_suffix }}'

),

form_touches as (

    select
        'hubspot:form:' || submissions.submission_id as touchpoint_id,
        submissions.submission_id as source_record_id,
        submissions.email_normalized,
        form_campaigns.campaign_id,
        'form_submission' as touch_type,
        submissions.form_name as touch_detail,
        form_campaigns.campaign_type,
        submissions.submitted_at as touched_at
    from submissions
    left join form_campaigns
        on
            submissions.submission_id = form_campaigns.submission_id
            and form_campaigns.campaign_rank = 1

),

clicks as (

    select
        email_events.*,
        row_number() over (
            partition by
                coalesce(
                    email_events.sent_event_id,
                    email_events.email_normalized || '|' || email_events.email_campaign_id
                )
            order by email_events.occurred_at, email_events.email_event_id
        ) as click_rank
    from email_events
    where email_events.event_type = 'CLICK'

),

email_touches as (

    select
        'hubspot:email:' || email_event_id as touchpoint_id,
        email_event_id as source_record_id,
        email_normalized,
        email_campaign_id as campaign_id,
        'email_click' as touch_type,
        'CLICK' as touch_detail,
        '{{ var("hubspot_email_campaign_type", "Email") }}' as campaign_type,
        occurred_at as touched_at
    from clicks
    where click_rank = 1

),

touches as (

    select * from form_touches
    union all
    select * from email_touches

),

final as (

    select
        touches.touchpoint_id,
        'hubspot' as source_system,
        touches.source_record_id,
        contacts.contact_id as person_record_id,
        touches.campaign_id,
        touches.touch_type,
        touches.touch_detail,
        touches.campaign_type,
        true as is_marketing_touch,
        touches.touched_at
    from touches
    left join contacts
        on
            touches.email_normalized = contacts.email_normalized
            and contacts.contact_rank = 1

)

select * from final
