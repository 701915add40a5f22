-- Fivetran-style consistency test: fct_opportunities has exactly one row per live staged opportunity.
{{ config(tags=['consistency'], enabled=var('salesforce_enabled', true)) }}

with

staged as (

    select count(*) as row_count from {{ ref('stg_salesforce__opportunities') }}

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
