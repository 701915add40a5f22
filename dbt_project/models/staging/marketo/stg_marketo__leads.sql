{{ config(enabled=var('marketo_enabled', false)) }}

with

source as (

    select
        {{- staging_columns(source('marketo', 'leads'), [
            {"name": "id", "type": "string"},
            {"name": "email", "type": "string"},
            {"name": "first_name", "type": "string"},
            {"name": "last_name", "type": "string"},
            {"name": "title", "type": "string"},
            {"name": "company", "type": "string"},
            {"name": "country", "type": "string"},
            {"name": "lead_source", "type": "string"},
            {"name": "lead_status", "type": "string"},
            {"name": "buying_role", "type": "string"},
            {"name": "sfdc_type", "type": "string"},
            {"name": "sfdc_contact_id", "type": "string"},
            {"name": "sfdc_lead_id", "type": "string"},
            {"name": "sfdc_account_id", "type": "string"},
            {"name": "sfdc_lead_owner_id", "type": "string"},
            {"name": "created_at", "type": "timestamp"},
            {"name": "updated_at", "type": "timestamp"},
            {"name": "_dlt_load_id", "type": "string"},
        ]) }}
    from {{ source('marketo', 'leads') }}

),

deleted as (

    {{ optional_source_ids('marketo', 'deleted_leads', 'lead_id') }}

),

versions as (

    {{ dedupe_latest('source', 'id', false, 'updated_at') }}

),

latest as (

    -- deletions are applied after picking the latest version: a deleted lead stays deleted
    select versions.*
    from versions
    left join deleted
        on versions.id = deleted.lead_id
    where deleted.lead_id is null

)

select
    id as lead_id,
    'marketo' as source_system,
    email,
    {{ normalize_email('email') }} as email_normalized,
    first_name,
    last_name,
    title,
    company as company_name,
    country,
    lead_source,
    lead_status,
    buying_role,
    sfdc_type,
    sfdc_contact_id,
    sfdc_lead_id,
    sfdc_account_id,
    sfdc_lead_owner_id as owner_id,
    created_at,
    updated_at
from latest
