{{ config(enabled=var('marketo_enabled', false)) }}

with

source as (

    select
        {{- staging_columns(source('marketo', 'programs'), [
            {"name": "id", "type": "string"},
            {"name": "name", "type": "string"},
            {"name": "type", "type": "string"},
            {"name": "channel", "type": "string"},
            {"name": "status", "type": "string"},
            {"name": "workspace", "type": "string"},
            {"name": "sfdc_campaign_id", "type": "string"},
            {"name": "start_date", "type": "date"},
            {"name": "end_date", "type": "date"},
            {"name": "created_at", "type": "timestamp"},
            {"name": "updated_at", "type": "timestamp"},
            {"name": "_dlt_load_id", "type": "string"},
        ]) }}
    from {{ source('marketo', 'programs') }}

),

currencies as (

    {% if optional_source('marketo', 'program_tags') is not none %}
        select
            cast(program_id as {{ dbt.type_string() }}) as program_id,
            max(upper(trim(cast(tag_value as {{ dbt.type_string() }})))) as currency_code
        from {{ source('marketo', 'program_tags') }}
        where tag_type = 'Currency'
        group by 1
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as program_id,
            cast(null as {{ dbt.type_string() }}) as currency_code
        where false
    {% endif %}

),

deleted as (

    {{ optional_source_ids('marketo', 'deleted_programs', 'program_id') }}

),

latest as (

    {{ dedupe_latest('source', 'id', false, 'updated_at') }}

)

select
    latest.id as program_id,
    'marketo' as source_system,
    latest.name as program_name,
    latest.type as program_type,
    latest.channel,
    latest.status as program_status,
    latest.workspace,
    currencies.currency_code,
    latest.start_date,
    latest.end_date,
    latest.sfdc_campaign_id,
    latest.created_at,
    latest.updated_at
from latest
left join currencies
    on latest.id = currencies.program_id
left join deleted
    on latest.id = deleted.program_id
where deleted.program_id is null
