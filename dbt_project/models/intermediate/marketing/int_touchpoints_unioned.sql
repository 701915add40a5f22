-- One row per touch of a person, from every enabled marketing source, before channel mapping.
-- Salesforce (var salesforce_campaigns_enabled): a campaign member that responded (HasResponded) is a
-- touch at its first-responded date (midnight UTC; the member's creation time when the date is missing).
-- Members that never responded (sent, registered but absent) are not interactions and are not touches.
-- HubSpot (int_hubspot__touchpoints): form submissions and first email clicks. Marketo
-- (int_marketo__touchpoints): its activities. Every touch takes the person_id of its source record
-- (int_person_records); a marketing-platform touch whose record is unknown stays in its source model.
{%- set sources = enabled_marketing_sources('int_touchpoints_unioned') %}
with

person_records as (

    select * from {{ ref('int_person_records') }}

),

{% if 'salesforce' in sources -%}
    campaign_members as (

        select * from {{ ref('stg_salesforce__campaign_members') }}

    ),

    campaigns as (

        select * from {{ ref('stg_salesforce__campaigns') }}

    ),

    salesforce_touches as (

        select
            'salesforce:' || campaign_members.campaign_member_id as touchpoint_id,
            person_records.person_id,
            campaign_members.campaign_id,
            'salesforce' as source_system,
            campaign_members.campaign_member_id as source_record_id,
            'campaign_response' as touch_type,
            campaign_members.member_status as touch_detail,
            campaigns.campaign_type,
            true as is_marketing_touch,
            coalesce(
                cast(campaign_members.first_responded_date as {{ dbt.type_timestamp() }}),
                campaign_members.created_at
            ) as touched_at
        from campaign_members
        inner join person_records
            on
                person_records.source_system = 'salesforce'
                and coalesce(campaign_members.contact_id, campaign_members.lead_id) = person_records.record_id
        left join campaigns
            on campaign_members.campaign_id = campaigns.campaign_id
        where campaign_members.has_responded

    ),

{% endif -%}
{% for source in sources if source != 'salesforce' -%}
    {{ source }}_touches as (

        select
            touches.touchpoint_id,
            person_records.person_id,
            touches.campaign_id,
            touches.source_system,
            touches.source_record_id,
            touches.touch_type,
            touches.touch_detail,
            touches.campaign_type,
            touches.is_marketing_touch,
            touches.touched_at
        from {{ ref('int_' ~ source ~ '__touchpoints') }} as touches
        inner join person_records
            on
                person_records.source_system = '{{ source }}'
                and touches.person_record_id = person_records.record_id

    ),

{% endfor -%}
final as (

    {{- union_source_ctes(sources, '_touches') }}

)

select * from final
