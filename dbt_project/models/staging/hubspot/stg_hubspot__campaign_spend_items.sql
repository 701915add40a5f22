{{ config(enabled=var('hubspot_enabled', false)) }}
-- One row per live spend item of a HubSpot campaign (budget/totals spendItems), latest version; deleted
-- items dropped after picking it. No spend item loaded yet (the connector creates the table with its first
-- item): no rows. Amounts that were not numbers stay here with a quarantine_reason and a null amount.

with

source as (

    {% if optional_source('hubspot', 'campaign_spend_items') is not none %}
        select
            {{- staging_columns(source('hubspot', 'campaign_spend_items'), hubspot_columns('campaign_spend_items')) }}
        from {{ source('hubspot', 'campaign_spend_items') }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as campaign_id,
            cast(null as {{ dbt.type_string() }}) as id,
            cast(null as {{ dbt.type_string() }}) as name,
            cast(null as {{ dbt.type_string() }}) as description,
            cast(null as decimal(18, 2)) as amount,
            cast(null as {{ dbt.type_string() }}) as currency_code,
            cast(null as {{ dbt.type_bigint() }}) as item_order,
            cast(null as {{ dbt.type_string() }}) as quarantine_reason,
            cast(null as {{ dbt.type_boolean() }}) as is_deleted,
            cast(null as {{ dbt.type_timestamp() }}) as created_at,
            cast(null as {{ dbt.type_timestamp() }}) as updated_at,
            cast(null as {{ dbt.type_string() }}) as _dlt_load_id
        where 1 = 0
    {% endif %}

),

latest as (

    select *
    from (
        select
            source.*,
            row_number() over (
                partition by source.campaign_id, source.id
                order by source._dlt_load_id desc nulls last, source.updated_at desc nulls last
            ) as version_rank
        from source
    ) as ranked
    where
        version_rank = 1
        and not coalesce(is_deleted, false)

)

select
    id as spend_item_id,
    campaign_id,
    name as spend_item_name,
    description as spend_item_description,
    amount as spend_amount,
    upper(trim(currency_code)) as currency_code,
    item_order,
    quarantine_reason,
    created_at,
    updated_at as last_modified_at
from latest
