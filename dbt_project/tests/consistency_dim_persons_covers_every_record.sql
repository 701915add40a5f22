-- Fivetran-style consistency test: every live lead and contact lands in exactly one person.
{{ config(tags=['consistency'], enabled=var('salesforce_enabled', true)) }}

with

staged as (

    select count(*) as row_count
    from (
        select contact_id as record_id from {{ ref('stg_salesforce__contacts') }}
        union all
        select lead_id as record_id from {{ ref('stg_salesforce__leads') }}
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
