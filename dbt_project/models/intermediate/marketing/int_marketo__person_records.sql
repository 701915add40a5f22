{{ config(enabled=var('marketo_enabled', false)) }}
-- One row per live Marketo lead, in the conformed person-record shape the identity union reads.
-- linked_salesforce_id is the Salesforce record the Marketo-Salesforce sync ties the lead to: the
-- contact if there is one, else the lead; identity resolution joins Marketo leads to CRM persons by it
-- (and by normalised email).
with

leads as (

    select * from {{ ref('stg_marketo__leads') }}

)

select
    source_system,
    'lead' as record_type,
    lead_id as record_id,
    coalesce(sfdc_contact_id, sfdc_lead_id) as linked_salesforce_id,
    sfdc_account_id as crm_account_id,
    owner_id,
    email,
    email_normalized,
    buying_role,
    lead_source,
    created_at
from leads
