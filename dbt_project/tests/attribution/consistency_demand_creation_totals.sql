-- Every opportunity is classified once: per grain, fct_demand_creation_periods adds up to the created
-- opportunities and pipeline of fct_opportunities. Returns the grains that do not.
{{ config(tags=['consistency', 'attribution'], enabled=var('salesforce_enabled', true) or var('hubspot_enabled', false)) }}

with

periods as (

    select
        period_grain,
        sum(created_opportunity_count) as opportunity_count,
        sum(created_pipeline_amount) as pipeline_amount
    from {{ ref('fct_demand_creation_periods') }}
    group by period_grain

),

opportunities as (

    select
        count(*) as opportunity_count,
        coalesce(sum(amount_reporting), 0) as pipeline_amount
    from {{ ref('fct_opportunities') }}

)

select
    periods.period_grain,
    periods.opportunity_count,
    opportunities.opportunity_count as expected_opportunity_count,
    periods.pipeline_amount,
    opportunities.pipeline_amount as expected_pipeline_amount
from periods
cross join opportunities
where
    periods.opportunity_count <> opportunities.opportunity_count
    or periods.pipeline_amount <> opportunities.pipeline_amount
