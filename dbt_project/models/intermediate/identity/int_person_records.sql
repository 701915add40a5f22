-- One row per person source record (a CRM contact or lead, a marketing-platform person) with the person
-- it resolves to (person_key; person_id = hash(person_key)).
-- CRM records (var crm_source: Salesforce contacts and leads, or HubSpot contacts): records share a
-- person_key when their normalised email (lower(trim())) is equal; a converted lead takes the key of the
-- contact it became (even if its email differs); a record without email is its own person.
-- Marketing records of another system (HubSpot contacts synced to Salesforce, Marketo leads): a record
-- linked to a CRM id (salesforcecontactid / salesforceleadid, sfdcContactId / sfdcLeadId) takes that CRM
-- record's key; else the key of a CRM record with the same normalised email; else the email key; else
-- its own key. Every source id is kept (one row each). Touchpoints, contact roles and every other
-- record-level fact join persons through this model, on (source_system, record_id).
{%- set crm = var('crm_source', 'salesforce') %}
{{ check_choice('crm_source', crm, ['salesforce', 'hubspot']) }}
{%- set marketing_sources = [] %}
{%- if var('hubspot_enabled', false) and crm != 'hubspot' %}{% do marketing_sources.append('hubspot') %}{% endif %}
{%- if var('marketo_enabled', false) %}{% do marketing_sources.append('marketo') %}{% endif %}
with

{% if crm == 'salesforce' -%}
    contacts as (

        select * from {{ ref('stg_salesforce__contacts') }}

    ),

    leads as (

        select * from {{ ref('stg_salesforce__leads') }}

    ),

    contact_keys as (

        select
            contact_id,
            coalesce('email:' || {{ normalize_email('email') }}, 'contact:' || contact_id) as person_key
        from contacts

    ),

    crm_records as (

        select
            contact_keys.person_key,
            'salesforce' as source_system,
            'contact' as record_type,
            contacts.contact_id as record_id,
            contacts.account_id as crm_account_id,
            contacts.owner_id,
            contacts.email,
            {{ normalize_email('contacts.email') }} as email_normalized,
            contacts.buying_role,
            contacts.lead_source,
            false as is_converted_lead,
            1 as record_priority,
            contacts.created_at
        from contacts
        inner join contact_keys
            on contacts.contact_id = contact_keys.contact_id

        union all

        select
            coalesce(
                converted_contact_keys.person_key,
                'email:' || {{ normalize_email('leads.email') }},
                'lead:' || leads.lead_id
            ) as person_key,
            'salesforce' as source_system,
            'lead' as record_type,
            leads.lead_id as record_id,
            leads.converted_account_id as crm_account_id,
            leads.owner_id,
            leads.email,
            {{ normalize_email('leads.email') }} as email_normalized,
            cast(null as {{ dbt.type_string() }}) as buying_role,
            leads.lead_source,
            leads.is_converted as is_converted_lead,
            2 as record_priority,
            leads.created_at
        from leads
        left join contact_keys as converted_contact_keys
            on
                leads.is_converted
                and leads.converted_contact_id = converted_contact_keys.contact_id

    ),

{%- else %}
    hubspot_records as (

        select * from {{ ref('int_hubspot__person_records') }}

    ),

    crm_records as (

        select
            coalesce('email:' || email_normalized, 'hubspot_' || record_type || ':' || record_id) as person_key,
            source_system,
            record_type,
            record_id,
            crm_account_id,
            owner_id,
            email,
            email_normalized,
            buying_role,
            lead_source,
            false as is_converted_lead,
            case when record_type = 'contact' then 1 else 2 end as record_priority,
            created_at
        from hubspot_records

    ),
{%- endif %}
{%- if marketing_sources %}

    crm_email_keys as (

        select
            email_normalized,
            min(person_key) as person_key
        from crm_records
        where email_normalized is not null
        group by email_normalized

    ),

    marketing_records as (
        {%- for source in marketing_sources %}

            select
                source_system,
                record_type,
                record_id,
                linked_salesforce_id,
                crm_account_id,
                owner_id,
                email,
                email_normalized,
                buying_role,
                lead_source,
                created_at
            from {{ ref('int_' ~ source ~ '__person_records') }}
            {%- if not loop.last %}

                union all
            {%- endif %}
        {%- endfor %}

    ),

    marketing_keyed as (

        select
            coalesce(
                linked.person_key,
                crm_email_keys.person_key,
                'email:' || marketing_records.email_normalized,
                marketing_records.source_system || '_' || marketing_records.record_type
                || ':' || marketing_records.record_id
            ) as person_key,
            marketing_records.source_system,
            marketing_records.record_type,
            marketing_records.record_id,
            marketing_records.crm_account_id,
            marketing_records.owner_id,
            marketing_records.email,
            marketing_records.email_normalized,
            marketing_records.buying_role,
            marketing_records.lead_source,
            false as is_converted_lead,
            3 as record_priority,
            marketing_records.created_at
        from marketing_records
        left join crm_records as linked
            on marketing_records.linked_salesforce_id = linked.record_id
        left join crm_email_keys
            on marketing_records.email_normalized = crm_email_keys.email_normalized

    ),
{%- endif %}

all_records as (

    select * from crm_records
    {%- if marketing_sources %}

        union all

        select * from marketing_keyed
    {%- endif %}

),

final as (

    -- all_records has every column of the contract, from person_key on, in order
    select
        {{ dbt.hash('person_key') }} as person_id,
        *
    from all_records

)

select * from final
