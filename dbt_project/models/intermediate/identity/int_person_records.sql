-- One row per person source record (a Salesforce contact or lead) with the person it resolves to:
-- records share a person_key when their normalised email (lower(trim())) is equal; a converted lead
-- takes the key of the contact it became (even if its email differs); a record without email is its
-- own person. person_id = hash(person_key). Touchpoints, contact roles and every other record-level
-- fact join persons through this model.
with

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

records as (

    select
        contact_keys.person_key,
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

final as (

    select
        {{ dbt.hash('person_key') }} as person_id,
        person_key,
        'salesforce' as source_system,
        record_type,
        record_id,
        crm_account_id,
        owner_id,
        email,
        email_normalized,
        buying_role,
        lead_source,
        is_converted_lead,
        record_priority,
        created_at
    from records

)

select * from final
