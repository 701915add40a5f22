-- One row per campaign of every enabled marketing system, in one contract (Fivetran-style union):
-- Salesforce campaigns (when var salesforce_campaigns_enabled), HubSpot marketing campaigns
-- (int_hubspot__campaigns) and Marketo programs (int_marketo__campaigns). campaign_id is the source's id;
-- linked_salesforce_campaign_id is the Salesforce campaign a marketing-platform program syncs to.
-- Columns a source does not have are null (HubSpot's actual cost is the sum of its spend items).
{%- set sources = enabled_marketing_sources('int_campaigns_unioned') %}
{%- set source_models = {
    'salesforce': 'stg_salesforce__campaigns',
    'hubspot': 'int_hubspot__campaigns',
    'marketo': 'int_marketo__campaigns',
} %}
{#- The contract, in order. Each source selects its own column of the same name, except where its entry in
    source_expressions says otherwise. -#}
{%- set columns = [
    'campaign_id',
    'source_system',
    'parent_campaign_id',
    'owner_id',
    'campaign_name',
    'campaign_type',
    'campaign_status',
    'currency_code',
    'is_active',
    'budgeted_cost',
    'actual_cost',
    'start_date',
    'end_date',
    'created_at',
    'last_modified_at',
    'system_modified_at',
    'linked_salesforce_campaign_id',
] %}
{%- set null_string = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
{%- set source_expressions = {
    'salesforce': {
        'source_system': "'salesforce'",
        'linked_salesforce_campaign_id': null_string,
    },
    'hubspot': {
        'parent_campaign_id': null_string,
        'owner_id': null_string,
        'is_active': "coalesce(lower(campaign_status) = 'active', false)",
        'system_modified_at': 'last_modified_at',
    },
    'marketo': {
        'parent_campaign_id': null_string,
        'owner_id': null_string,
        'campaign_status': null_string,
        'is_active': 'cast(null as ' ~ dbt.type_boolean() ~ ')',
        'last_modified_at': 'created_at',
        'system_modified_at': 'created_at',
    },
} %}
with

{% for source in sources -%}
    {{ source }}_campaigns as (

        select
            {{- contract_columns(columns, source_expressions[source]) | indent(4) }}
        from {{ ref(source_models[source]) }}

    ),

{% endfor -%}
final as (

    {{- union_source_ctes(sources, '_campaigns') }}

)

select * from final
