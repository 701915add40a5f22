{{ config(enabled=var('marketo_enabled', false)) }}
{% set deleted_leads = adapter.get_relation(database=source('marketo', 'deleted_leads').database, schema=source('marketo', 'deleted_leads').schema, identifier=source('marketo', 'deleted_leads').identifier) if execute else none %}  -- noqa: TMP

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

    {% if deleted_leads is not none %}
        select distinct cast(lead_id as {{ dbt.type_string() }}) as lead_id
        from {{ source('marketo', 'deleted_leads') }}
    {% else %}
        select cast(null as {{ dbt.type_string() }}) as lead_id
        where false
    {% endif %}

),

versions as (

    select
        source.*,
        row_number() over (
            partition by source.id
            order by source.updated_at desc nulls last, source._dlt_load_id desc nulls last
        ) as version_rank
    from source

),

latest as (

    select versions.*
    from versions
    left join deleted
        on versions.id = deleted.lead_id
    where
        versions.version_rank = 1
        and deleted.lead_id is null

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
