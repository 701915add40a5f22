-- Live opportunities with the amount in the reporting currency (contract "Amount conversion"): the
-- rate of the opportunity's currency with the greatest valid_from <= close_date. Unknown currency,
-- no rate yet or missing amount: amount_reporting is null (never zero). Not rounded here.
with

opportunities as (

    select * from {{ ref('int_opportunities_unioned') }}

),

exchange_rates as (

    select * from {{ ref('exchange_rates') }}

),

matched_rates as (

    select
        opportunities.opportunity_id,
        exchange_rates.valid_from,
        exchange_rates.rate_to_reporting,
        row_number() over (
            partition by opportunities.opportunity_id
            order by exchange_rates.valid_from desc
        ) as rate_rank
    from opportunities
    inner join exchange_rates
        on
            opportunities.currency_code = exchange_rates.currency_code
            and opportunities.close_date >= exchange_rates.valid_from

),

final as (

    select
        opportunities.*,
        '{{ var("reporting_currency", "USD") }}' as reporting_currency_code,
        matched_rates.rate_to_reporting as fx_rate,
        matched_rates.valid_from as fx_rate_valid_from,
        cast(opportunities.amount * matched_rates.rate_to_reporting as decimal(38, 8)) as amount_reporting
    from opportunities
    left join matched_rates
        on
            opportunities.opportunity_id = matched_rates.opportunity_id
            and matched_rates.rate_rank = 1

)

select * from final
