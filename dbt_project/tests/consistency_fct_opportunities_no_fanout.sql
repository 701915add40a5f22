-- Fivetran-style consistency test: fct_opportunities has exactly one row per live opportunity of the CRM of record.
{{ config(tags=['consistency'], enabled=var('salesforce_enabled', true) or var('hubspot_enabled', false)) }}

with

staged as (

    select count(*) as row_count from {{ ref('int_opportunities_unioned') }}

),

mart as (

    select count(*) as row_count from {{ ref('fct_opportunities') }}

)

select
    staged.row_count as staged_rows,
    mart.row_count as mart_rows
from staged
cross join mart
where staged.row_count <> mart.row_count
