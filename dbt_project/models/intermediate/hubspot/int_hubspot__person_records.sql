{{ config(enabled=var('hubspot_enabled', false)) }}
-- HubSpot contacts in the person-records contract (one row per live contact). HubSpot has one person
-- object: a contact with a lead status (hs_lead_status) and no company is a lead, else a contact.
-- linked_salesforce_id is the Salesforce contact (else lead) id the HubSpot-Salesforce integration
-- stamped on the contact; identity resolution (int_person_records) gives such a record its CRM
-- person's key.
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

final as (

    select
        'hubspot' as source_system,
        case
            when lead_status is not null and company_id is null then 'lead'
            else 'contact'
        end as record_type,
        contact_id as record_id,
        coalesce(salesforce_contact_id, salesforce_lead_id) as linked_salesforce_id,
        company_id as crm_account_id,
        owner_id,
        email,
        email_normalized,
        buying_role,
        lead_source,
        created_at
    from contacts

)

select * from final
