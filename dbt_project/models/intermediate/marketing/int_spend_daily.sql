-- Spend per day, channel and campaign in the reporting currency. CRM campaigns: the actual cost is
-- spread evenly over the campaign's days (start date to end date, inclusive; one day when the end is
-- missing or before the start). Campaigns without an actual cost contribute nothing here and are
-- flagged by the data-quality layer. Ad-platform spend is unioned here when that source is enabled.
-- Ad platforms (var ad_spend_enabled, stg_ad_spend__daily_spend): a CRM campaign that has any platform
-- row (its id in the row's campaign_id) is costed by its platform spend instead of its actual cost, so
-- nothing counts twice; each platform row converts at the rate valid on its spend date; platform
-- campaigns the CRM does not know keep their own id ('<platform>:<id or name>') and take channel and
-- channel group from seed ad_platform_channels ('unmapped' / 'other' when absent). Rows flagged with a
-- quarantine_reason (currency without rate) count nowhere; they are listed in stg_ad_spend__daily_spend.
{%- set ad_spend = var('ad_spend_enabled', false) %}
with

{% if ad_spend %}
    platform_rows as (

        select * from {{ ref('stg_ad_spend__daily_spend') }}

    ),

    platform_costed_campaigns as (

        select distinct platform_campaign_id as campaign_id
        from platform_rows
        where platform_campaign_id is not null

    ),
{% else %}
    platform_costed_campaigns as (

        select cast(null as {{ dbt.type_string() }}) as campaign_id
        where 1 = 0

    ),
{% endif %}

campaigns as (

    select * from {{ ref('int_campaigns_costed') }}
    where
        actual_cost_reporting_exact is not null
        and campaign_id not in (select platform_costed_campaigns.campaign_id from platform_costed_campaigns)

),

spans as (

    select
        campaign_id,
        source_system,
        channel,
        channel_group,
        cost_date as first_day,
        case
            when end_date is null or end_date < cost_date then 0
            else {{ dbt.datediff('cost_date', 'end_date', 'day') }}
        end as extra_days,
        actual_cost_reporting_exact
    from campaigns

),

days as (

    select
        spans.campaign_id,
        spans.source_system,
        spans.channel,
        spans.channel_group,
        cast({{ dbt.dateadd('day', 'series.n', 'spans.first_day') }} as date)
            as spend_date,
        -- fixed scale (numeric(28, 6)): 6 decimals keep sums exact to the cent over any campaign length
        cast(spans.actual_cost_reporting_exact / (spans.extra_days + 1) as {{ dbt.type_numeric() }}) as spend_amount
    from spans
    inner join {{ integer_series(4) }} as series
        on spans.extra_days >= series.n

),

{% if ad_spend %}
    crm_campaigns as (

        select * from {{ ref('int_campaigns_costed') }}

    ),

    platform_channels as (

        select * from {{ ref('ad_platform_channels') }}

    ),

    platform_rates as (

        select
            platform_rows.spend_row_id,
            rates.rate_to_reporting,
            row_number() over (partition by platform_rows.spend_row_id order by rates.valid_from desc) as rate_rank
        from platform_rows
        inner join {{ ref('exchange_rates') }} as rates
            on
                platform_rows.currency_code = rates.currency_code
                and platform_rows.spend_date >= rates.valid_from

    ),

    platform_days as (

        select
            coalesce(
                crm_campaigns.campaign_id,
                platform_rows.platform || ':' || coalesce(platform_rows.platform_campaign_id, platform_rows.campaign_name)
            ) as campaign_id,
            coalesce(crm_campaigns.source_system, platform_rows.platform) as source_system,
            coalesce(crm_campaigns.channel, platform_channels.channel, 'unmapped') as channel,
            case
                when crm_campaigns.channel is not null then crm_campaigns.channel_group
                else coalesce(platform_channels.channel_group, 'other')
            end as channel_group,
            platform_rows.spend_date,
            platform_rows.cost_amount * platform_rates.rate_to_reporting as spend_amount
        from platform_rows
        inner join platform_rates
            on
                platform_rows.spend_row_id = platform_rates.spend_row_id
                and platform_rates.rate_rank = 1
        left join crm_campaigns
            on platform_rows.platform_campaign_id = crm_campaigns.campaign_id
        left join platform_channels
            on
                platform_rows.platform = platform_channels.platform
                and platform_rows.platform_channel = platform_channels.platform_channel
        where platform_rows.quarantine_reason is null

    ),

    platform_daily as (

        select
            campaign_id,
            source_system,
            channel,
            channel_group,
            spend_date,
            cast(sum(spend_amount) as {{ dbt.type_numeric() }}) as spend_amount
        from platform_days
        group by campaign_id, source_system, channel, channel_group, spend_date

    ),

    unioned as (

        select * from days
        union all
        select * from platform_daily

    )

    select * from unioned
{% else %}
    unioned as (

        select * from days

    )

    select * from unioned
{% endif %}
