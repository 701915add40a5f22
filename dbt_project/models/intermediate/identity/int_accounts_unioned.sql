-- CRM accounts (one row per account of the CRM of record), in the columns of stg_salesforce__accounts whatever the CRM: var crm_source picks the
-- system of record ('salesforce': stg_salesforce__accounts; 'hubspot': int_hubspot__accounts). Every model
-- downstream reads this one, never a source's staging, so a CRM plugs in here.
{%- set crm = var('crm_source', 'salesforce') %}
{{ check_choice('crm_source', crm, ['salesforce', 'hubspot']) }}
{%- if crm == 'hubspot' %}
    select * from {{ ref('int_hubspot__accounts') }}
{%- else %}
    select * from {{ ref('stg_salesforce__accounts') }}
{%- endif %}
