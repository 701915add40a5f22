-- One row per touch of a person, from every enabled source, before channel mapping.
-- Salesforce: a campaign member that responded (HasResponded) is a touch at its first-responded date
-- (midnight UTC; the member's creation time when the date is missing). Members that never responded
-- (sent, registered but absent) are not interactions and are not touches.
with

campaign_members as (

    select * from {{ ref('stg_salesforce__campaign_members') }}

),

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

person_records as (

    select * from {{ ref('int_person_records') }}

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
        on coalesce(campaign_members.contact_id, campaign_members.lead_id) = person_records.record_id
    left join campaigns
        on campaign_members.campaign_id = campaigns.campaign_id
    where campaign_members.has_responded

)

select * from salesforce_touches
