-- One row per resolved person (see int_person_records for the resolution rule). The primary record
-- (a CRM contact first, then a CRM lead, then a marketing-platform record, the earliest first) supplies
-- the attributes; every source id is kept (source_record_ids: salesforce 'contact:'/'lead:' ids, others
-- prefixed with their system, e.g. 'hubspot_contact:').
with

records as (

    select * from {{ ref('int_person_records') }}

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
        {{ dbt.listagg(
            "case when source_system = 'salesforce' and record_type = 'contact' then record_id end",
            "','", "order by record_id"
        ) }} as salesforce_contact_ids,
        {{ dbt.listagg(
            "case when source_system = 'salesforce' and record_type = 'lead' then record_id end",
            "','", "order by record_id"
        ) }} as salesforce_lead_ids,
        {{ dbt.listagg(
            "case when source_system = 'salesforce' then record_type else source_system || '_' || record_type end"
            ~ " || ':' || record_id",
            "','", "order by source_system, record_type, record_id"
        ) }} as source_record_ids,
        {{ dbt.bool_or('is_converted_lead') }} as is_converted,
        count(*) as source_record_count,
        min(created_at) as created_at
    from records
    group by person_key

),

final as (

    select
        ranked.person_id,
        ranked.person_key,
        ranked.record_type as primary_record_type,
        ranked.record_id as primary_record_id,
        case
            when ranked.source_system = 'salesforce' and ranked.record_type = 'contact' then ranked.record_id
        end as salesforce_contact_id,
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
