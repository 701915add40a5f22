-- Fivetran-style consistency test: every live person record of every enabled source (CRM leads and
-- contacts, marketing-platform persons) lands in exactly one person.
{{ config(tags=['consistency'], enabled=var('salesforce_enabled', true) or var('hubspot_enabled', false)) }}
{%- set crm = var('crm_source', 'salesforce') %}

with

staged as (

    select count(*) as row_count
    from (
        {%- if crm == 'salesforce' %}
        select contact_id as record_id from {{ ref('stg_salesforce__contacts') }}
        union all
        select lead_id as record_id from {{ ref('stg_salesforce__leads') }}
        {%- endif %}
        {%- if var('hubspot_enabled', false) %}
            {%- if crm == 'salesforce' %}
        union all
        {%- endif %}
            select contact_id as record_id from {{ ref('stg_hubspot__contacts') }}
        {%- endif %}
        {%- if var('marketo_enabled', false) %}
            union all
            select record_id from {{ ref('int_marketo__person_records') }}
        {%- endif %}
    ) as records

),

mart as (

    select sum(source_record_count) as row_count from {{ ref('dim_persons') }}

)

select
    staged.row_count as staged_rows,
    mart.row_count as mart_rows
from staged
cross join mart
where staged.row_count <> coalesce(mart.row_count, 0)
