-- fct_pipeline loses or double-counts nothing: per grain, the created counts add up to the number of
-- opportunities and the qualified counts to the number of qualified opportunities.
{{ config(tags=['consistency'], enabled=var('salesforce_enabled', true) or var('hubspot_enabled', false)) }}

with

opportunities as (

    select
        count(*) as created_count,
        sum(case when is_qualified then 1 else 0 end) as qualified_count
    from {{ ref('fct_opportunities') }}

),

pipeline as (

    select
        period_grain,
        sum(created_opportunity_count) as created_count,
        sum(qualified_opportunity_count) as qualified_count
    from {{ ref('fct_pipeline') }}
    group by period_grain

)

select
    pipeline.period_grain,
    pipeline.created_count,
    opportunities.created_count as expected_created_count
from pipeline
cross join opportunities
where
    pipeline.created_count <> opportunities.created_count
    or pipeline.qualified_count <> opportunities.qualified_count
