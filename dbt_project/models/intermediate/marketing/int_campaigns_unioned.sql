-- One row per campaign of every enabled marketing system, in one contract (Fivetran-style union):
-- Salesforce campaigns (when var salesforce_campaigns_enabled), HubSpot marketing campaigns
-- (int_hubspot__campaigns) and Marketo programs (int_marketo__campaigns). campaign_id is the source's id;
-- linked_salesforce_campaign_id is the Salesforce campaign a marketing-platform program syncs to.
-- Columns a source does not have are null (HubSpot has no actual cost).
{%- set sources = [] %}
{%- if var('salesforce_enabled', true) and var('salesforce_campaigns_enabled', true) %}
    {%- do sources.append('salesforce') %}
{%- endif %}
{%- if var('hubspot_enabled', false) %}{% do sources.append('hubspot') %}{% endif %}
{%- if var('marketo_enabled', false) %}{% do sources.append('marketo') %}{% endif %}
{%- if not sources %}
    {{ exceptions.raise_compiler_error("int_campaigns_unioned: no marketing source is enabled") }}
{%- endif %}
with

{% if 'salesforce' in sources -%}
    salesforce_campaigns as (

        select
            campaign_id,
            'salesforce' as source_system,
            parent_campaign_id,
            owner_id,
            campaign_name,
            campaign_type,
            campaign_status,
            currency_code,
            is_active,
            budgeted_cost,
            actual_cost,
            start_date,
            end_date,
            created_at,
            last_modified_at,
            system_modified_at,
            cast(null as {{ dbt.type_string() }}) as linked_salesforce_campaign_id
        from {{ ref('stg_salesforce__campaigns') }}

    ),

{% endif -%}
{% if 'hubspot' in sources -%}
    hubspot_campaigns as (

        select
            campaign_id,
            source_system,
            cast(null as {{ dbt.type_string() }}) as parent_campaign_id,
            cast(null as {{ dbt.type_string() }}) as owner_id,
            campaign_name,
            campaign_type,
            campaign_status,
            currency_code,
            coalesce(lower(campaign_status) = 'active', false) as is_active,
            budgeted_cost,
            actual_cost,
            start_date,
            end_date,
            created_at,
            last_modified_at,
            last_modified_at as system_modified_at,
            linked_salesforce_campaign_id
        from {{ ref('int_hubspot__campaigns') }}

    ),

{% endif -%}
{% if 'marketo' in sources -%}
    marketo_campaigns as (

        select
            campaign_id,
            source_system,
            cast(null as {{ dbt.type_string() }}) as parent_campaign_id,
            cast(null as {{ dbt.type_string() }}) as owner_id,
            campaign_name,
            campaign_type,
            cast(null as {{ dbt.type_string() }}) as campaign_status,
            currency_code,
            cast(null as {{ dbt.type_boolean() }}) as is_active,
            budgeted_cost,
            actual_cost,
            start_date,
            end_date,
            created_at,
            created_at as last_modified_at,
            created_at as system_modified_at,
            linked_salesforce_campaign_id
        from {{ ref('int_marketo__campaigns') }}

    ),

{% endif -%}
final as (

    {% for source in sources -%}
        select * from {{ source }}_campaigns
        {% if not loop.last %}union all
        {% endif -%}
    {%- endfor %}

)

select * from final
