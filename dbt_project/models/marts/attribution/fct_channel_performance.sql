-- Channel and campaign performance per calendar month and quarter and per attribution model:
-- attributed pipeline (by opportunity creation date), attributed won revenue and new customers (by close
-- date), influenced pipeline (by creation date), spend (int_spend_daily, by spend date) and new persons
-- (first marketing touch, by touch date), with CAC, cost per lead and return ratios. Spend, new persons
-- and influenced pipeline do not depend on the model and repeat on every model's row. Periods appear
-- when they have activity. Sums are unrounded until the end.
with

attribution as (

    select * from {{ ref('fct_attribution') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

touch_paths as (

    select * from {{ ref('int_attribution_touch_paths') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    where is_marketing_touch

),

spend as (

    select * from {{ ref('int_spend_daily') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

attribution_models as (

    select distinct attribution_model from {{ ref('attribution_weights') }}

),

new_customer_wins as (

    select opportunity_id
    from (
        select
            opportunity_id,
            row_number() over (
                partition by coalesce(account_id, opportunity_id)
                order by close_date, opportunity_id
            ) as win_rank
        from opportunities
        where
            is_won
            and opportunity_type = 'new_business'
    ) as ranked_wins
    where win_rank = 1

),

person_first_touches as (

    select
        person_id,
        campaign_id,
        channel,
        touched_date,
        row_number() over (partition by person_id order by touched_at, touchpoint_id) as touch_rank
    from touchpoints

),

influenced as (

    select distinct
        touch_paths.opportunity_id,
        touchpoints.campaign_id,
        touchpoints.channel,
        opportunities.amount_reporting,
        cast(opportunities.created_at as date) as created_date
    from touch_paths
    inner join touchpoints
        on touch_paths.touchpoint_id = touchpoints.touchpoint_id
    inner join opportunities
        on touch_paths.opportunity_id = opportunities.opportunity_id
    where touch_paths.days_before_close >= 0

),

activity as (

    select
        attribution_model,
        campaign_id,
        channel,
        cast(opportunity_created_at as date) as activity_date,
        cast(attributed_pipeline_amount as {{ type_double() }}) as pipeline_amount,
        cast(0 as {{ type_double() }}) as revenue_amount,
        cast(0 as {{ type_double() }}) as new_customers,
        cast(0 as {{ type_double() }}) as influenced_pipeline_amount,
        cast(0 as {{ type_double() }}) as spend_amount,
        0 as influenced_opportunity_count,
        0 as new_person_count
    from attribution

    union all

    select
        attribution.attribution_model,
        attribution.campaign_id,
        attribution.channel,
        attribution.close_date as activity_date,
        0 as pipeline_amount,
        attribution.attributed_revenue_amount as revenue_amount,
        case when new_customer_wins.opportunity_id is not null then attribution.credit else 0 end as new_customers,
        0 as influenced_pipeline_amount,
        0 as spend_amount,
        0 as influenced_opportunity_count,
        0 as new_person_count
    from attribution
    left join new_customer_wins
        on attribution.opportunity_id = new_customer_wins.opportunity_id
    where attribution.is_won

    union all

    select
        attribution_models.attribution_model,
        influenced.campaign_id,
        influenced.channel,
        influenced.created_date as activity_date,
        0 as pipeline_amount,
        0 as revenue_amount,
        0 as new_customers,
        coalesce(influenced.amount_reporting, 0) as influenced_pipeline_amount,
        0 as spend_amount,
        1 as influenced_opportunity_count,
        0 as new_person_count
    from influenced
    cross join attribution_models

    union all

    select
        attribution_models.attribution_model,
        spend.campaign_id,
        spend.channel,
        spend.spend_date as activity_date,
        0 as pipeline_amount,
        0 as revenue_amount,
        0 as new_customers,
        0 as influenced_pipeline_amount,
        spend.spend_amount,
        0 as influenced_opportunity_count,
        0 as new_person_count
    from spend
    cross join attribution_models

    union all

    select
        attribution_models.attribution_model,
        person_first_touches.campaign_id,
        person_first_touches.channel,
        person_first_touches.touched_date as activity_date,
        0 as pipeline_amount,
        0 as revenue_amount,
        0 as new_customers,
        0 as influenced_pipeline_amount,
        0 as spend_amount,
        0 as influenced_opportunity_count,
        1 as new_person_count
    from person_first_touches
    cross join attribution_models
    where person_first_touches.touch_rank = 1

),

bucketed as (

    {{ month_and_quarter_rows('activity') }}

),

summed as (

    select
        period_grain,
        months_per_period,
        period_start,
        attribution_model,
        campaign_id,
        channel,
        sum(pipeline_amount) as pipeline_amount,
        sum(revenue_amount) as revenue_amount,
        sum(new_customers) as new_customers,
        sum(influenced_pipeline_amount) as influenced_pipeline_amount,
        sum(spend_amount) as spend_amount,
        sum(influenced_opportunity_count) as influenced_opportunity_count,
        sum(new_person_count) as new_person_count
    from bucketed
    group by period_grain, months_per_period, period_start, attribution_model, campaign_id, channel

),

final as (

    select
        {{ calendar_period_columns('summed') }},
        summed.attribution_model,
        summed.campaign_id,
        campaigns.campaign_name,
        summed.channel,
        campaigns.channel_group,
        cast(round(cast(summed.pipeline_amount as decimal(38, 9)), 2) as decimal(18, 2)) as attributed_pipeline_amount,
        cast(round(cast(summed.revenue_amount as decimal(38, 9)), 2) as decimal(18, 2)) as attributed_revenue_amount,
        summed.new_customers as attributed_new_customers,
        summed.influenced_opportunity_count,
        cast(round(cast(summed.influenced_pipeline_amount as decimal(38, 9)), 2) as decimal(18, 2))
            as influenced_pipeline_amount,
        cast(round(cast(summed.spend_amount as decimal(38, 9)), 2) as decimal(18, 2)) as spend_amount,
        summed.new_person_count,
        summed.spend_amount / nullif(summed.new_customers, 0) as customer_acquisition_cost,
        summed.spend_amount / nullif(summed.new_person_count, 0) as cost_per_lead,
        summed.pipeline_amount / nullif(summed.spend_amount, 0) as pipeline_to_spend_ratio,
        summed.revenue_amount / nullif(summed.spend_amount, 0) as revenue_to_spend_ratio,
        (summed.revenue_amount - summed.spend_amount) / nullif(summed.spend_amount, 0) as return_on_spend
    from summed
    left join campaigns
        on summed.campaign_id = campaigns.campaign_id

)

select * from final
