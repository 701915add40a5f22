-- Attribution credit sums to exactly 1 (within 1e-9) per opportunity and model (METRICS "Attribution"),
-- and no credit is negative. Returns the offending (opportunity, model) pairs.
{{ config(tags=['attribution'], enabled=var('salesforce_enabled', true) or var('hubspot_enabled', false)) }}

with

attribution as (

    select * from {{ ref('fct_attribution') }}

),

sums as (

    select
        opportunity_id,
        attribution_model,
        sum(credit) as credit_sum,
        min(credit) as min_credit,
        count(*) as touch_count
    from attribution
    group by opportunity_id, attribution_model

)

select * from sums
where
    credit_sum is null
    or abs(credit_sum - 1) > 1e-9
    or min_credit < 0
