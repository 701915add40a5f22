-- Campaigns with channel (seed channel_mapping) and actual cost in the reporting currency at the rate
-- in effect on the campaign's start date (else its creation date). Unknown currency: null cost.
with

campaigns as (

    select * from {{ ref('int_campaigns_unioned') }}

),

channels as (

    select * from {{ ref('channel_mapping') }}

),

rates as (

    select * from {{ ref('exchange_rates') }}

),

dated as (

    select
        campaigns.*,
        coalesce(
            campaigns.start_date, cast(campaigns.created_at as date)
        ) as cost_date
    from campaigns

),

rated as (

    select
        dated.campaign_id,
        rates.rate_to_reporting,
        row_number() over (partition by dated.campaign_id order by rates.valid_from desc) as rate_rank
    from dated
    inner join rates
        on
            dated.currency_code = rates.currency_code
            and dated.cost_date >= rates.valid_from

),

final as (

    select
        dated.*,
        channels.channel,
        channels.channel_group,
        channels.demand_type,
        rated.rate_to_reporting,
        dated.actual_cost * rated.rate_to_reporting as actual_cost_reporting_exact
    from dated
    left join channels
        on
            dated.source_system = channels.source_system
            and dated.campaign_type = channels.campaign_type
    left join rated
        on
            dated.campaign_id = rated.campaign_id
            and rated.rate_rank = 1

)

select * from final
