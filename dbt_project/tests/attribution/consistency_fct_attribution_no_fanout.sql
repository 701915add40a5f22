-- fct_attribution has exactly one row per row of int_attribution_credited (its joins to opportunities and
-- touchpoints neither fan out nor drop rows). Returns a row when the counts differ.
{{ config(tags=['consistency', 'attribution'], enabled=var('salesforce_enabled', true) or var('hubspot_enabled', false)) }}

with

credited as (

    select count(*) as row_count from {{ ref('int_attribution_credited') }}

),

attribution as (

    select count(*) as row_count from {{ ref('fct_attribution') }}

)

select
    credited.row_count as credited_rows,
    attribution.row_count as attribution_rows
from credited
cross join attribution
where credited.row_count <> attribution.row_count
