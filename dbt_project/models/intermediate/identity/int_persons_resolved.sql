-- One row per resolved person: Salesforce leads and contacts resolved by normalised email, a converted
-- lead merged into the contact it became (even if its email differs), persons without email one per
-- record. Emails are normalised here again (lower(trim())) so the rule is unit-testable in one place.
-- The primary record (a contact first, then the earliest record) supplies the attributes.
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

ranked as (

    select
        records.*,
        row_number() over (
            partition by records.person_key
            order by records.record_priority, records.created_at, records.record_id
        ) as record_rank
    from records

),

aggregated as (

    select
        person_key,
        {{ dbt.listagg("case when record_type = 'contact' then record_id end", "','", "order by record_id") }}
            as salesforce_contact_ids,
        {{ dbt.listagg("case when record_type = 'lead' then record_id end", "','", "order by record_id") }}
            as salesforce_lead_ids,
        {{ dbt.listagg("record_type || ':' || record_id", "','", "order by record_type, record_id") }}
            as source_record_ids,
        {{ dbt.bool_or('is_converted_lead') }} as is_converted,
        count(*) as source_record_count,
        min(created_at) as created_at
    from records
    group by person_key

),

final as (

    select
        {{ dbt.hash('ranked.person_key') }} as person_id,
        ranked.person_key,
        ranked.record_type as primary_record_type,
        ranked.record_id as primary_record_id,
        case when ranked.record_type = 'contact' then ranked.record_id end as salesforce_contact_id,
        aggregated.salesforce_contact_ids,
        aggregated.salesforce_lead_ids,
        aggregated.source_record_ids,
        ranked.crm_account_id,
        ranked.owner_id,
        ranked.email,
        ranked.email_normalized,
        {{ email_domain('ranked.email_normalized') }} as email_domain,
        ranked.buying_role,
        ranked.lead_source,
        aggregated.is_converted,
        aggregated.source_record_count,
        aggregated.created_at
    from ranked
    inner join aggregated
        on ranked.person_key = aggregated.person_key
    where ranked.record_rank = 1

)

select * from final
