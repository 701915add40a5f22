{{ config(enabled=var('marketo_enabled', false)) }}

with

source as (

    select
        {{- staging_columns(source('marketo', 'activities'), [
            {"name": "marketo_guid", "type": "string"},
            {"name": "id", "type": "bigint"},
            {"name": "lead_id", "type": "string"},
            {"name": "activity_date", "type": "timestamp"},
            {"name": "activity_type_id", "type": "bigint"},
            {"name": "campaign_id", "type": "string"},
            {"name": "primary_attribute_value_id", "type": "string"},
            {"name": "primary_attribute_value", "type": "string"},
            {"name": "_dlt_load_id", "type": "string"},
        ]) }}
    from {{ source('marketo', 'activities') }}

),

attributes as (

    select
        cast(marketo_guid as {{ dbt.type_string() }}) as marketo_guid,
        max(case when name = 'Success' then lower(cast(value as {{ dbt.type_string() }})) end) as success_value,
        max(case when name = 'New Status' then cast(value as {{ dbt.type_string() }}) end) as new_status
    from {{ source('marketo', 'activity_attributes') }}
    group by 1

),

activity_types as (

    select
        cast(id as {{ dbt.type_bigint() }}) as activity_type_id,
        cast(name as {{ dbt.type_string() }}) as activity_type_name
    from {{ source('marketo', 'activity_types') }}

),

smart_campaigns as (

    select
        cast(id as {{ dbt.type_string() }}) as smart_campaign_id,
        cast(program_id as {{ dbt.type_string() }}) as program_id
    from {{ source('marketo', 'smart_campaigns') }}

),

deleted as (

    {{ optional_source_ids('marketo', 'deleted_leads', 'lead_id') }}

),

latest as (

    {{ dedupe_latest('source', 'marketo_guid', false, none) }}

)

select
    latest.marketo_guid as activity_id,
    latest.id as activity_number,
    latest.lead_id,
    'marketo' as source_system,
    latest.activity_type_id,
    activity_types.activity_type_name,
    latest.activity_date as activity_at,
    latest.campaign_id as smart_campaign_id,
    -- a program status change names its program; other activities through the smart campaign that ran them
    case
        when activity_types.activity_type_name = 'Change Status in Progression'
            then latest.primary_attribute_value_id
        else smart_campaigns.program_id
    end as program_id,
    latest.primary_attribute_value_id,
    latest.primary_attribute_value,
    attributes.new_status,
    coalesce(attributes.success_value = 'true', false) as is_success
from latest
left join activity_types
    on latest.activity_type_id = activity_types.activity_type_id
left join smart_campaigns
    on latest.campaign_id = smart_campaigns.smart_campaign_id
left join attributes
    on latest.marketo_guid = attributes.marketo_guid
left join deleted
    on latest.lead_id = deleted.lead_id
where deleted.lead_id is null
