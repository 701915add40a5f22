with

campaigns as (

    select * from {{ ref('stg_salesforce__campaigns') }}

),

channels as (

    select * from {{ ref('channel_mapping') }}

),

rates as (

    select * from {{ ref('exchange_rates') }}

),

-- cost converted at the rate in effect on the campaign's start date (else its creation date)
rated as (

    select
        campaigns.campaign_id,
        rates.rate_to_reporting,
        row_number() over (
            partition by campaigns.campaign_id order by rates.valid_from desc
        ) as rate_rank
    from campaigns
    inner join rates
        on
            campaigns.currency_code = rates.currency_code
            and rates.valid_from <= coalesce(
                campaigns.start_date, {{ dbt.cast('campaigns.created_at', api.Column.translate_type('date')) }}
            )

),

final as (

    select
        campaigns.campaign_id,
        campaigns.parent_campaign_id,
        campaigns.owner_id,
        'salesforce' as source_system,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.campaign_status,
        channels.channel,
        channels.channel_group,
        channels.demand_type,
        campaigns.currency_code,
        campaigns.is_active,
        campaigns.budgeted_cost,
        campaigns.actual_cost,
        {{ dbt.cast('campaigns.actual_cost * rated.rate_to_reporting', 'decimal(18, 2)') }} as actual_cost_reporting,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.created_at
    from campaigns
    left join channels
        on
            channels.source_system = 'salesforce'
            and campaigns.campaign_type = channels.campaign_type
    left join rated
        on
            campaigns.campaign_id = rated.campaign_id
            and rated.rate_rank = 1

)

select * from final
