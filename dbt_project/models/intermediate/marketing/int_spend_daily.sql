-- Spend per day, channel and campaign in the reporting currency. CRM campaigns: the actual cost is
-- spread evenly over the campaign's days (start date to end date, inclusive; one day when the end is
-- missing or before the start). Campaigns without an actual cost contribute nothing here and are
-- flagged by the data-quality layer. Ad-platform spend is unioned here when that source is enabled.
with

campaigns as (

    select * from {{ ref('int_campaigns_costed') }}
    where actual_cost_reporting_exact is not null

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

)

select * from days
