-- New customers (contract "CAC"): one row per account with its first won new-business opportunity
-- (earliest close date, then opportunity id) closed on or before as_of_date. The acquisition date is
-- that opportunity's close date.
{%- set as_of = as_of_date(var('as_of_date', '')) %}

with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

type_mapping as (

    select * from {{ ref('opportunity_type_mapping') }}

),

new_business_wins as (

    select
        opportunities.account_id,
        opportunities.opportunity_id,
        opportunities.close_date,
        row_number() over (
            partition by opportunities.account_id
            order by opportunities.close_date, opportunities.opportunity_id
        ) as win_rank
    from opportunities
    inner join type_mapping
        on
            opportunities.source_system = type_mapping.source_system
            and opportunities.opportunity_type_source = type_mapping.source_type
    where
        opportunities.is_won
        and type_mapping.opportunity_type = 'new_business'
        and opportunities.account_id is not null
        and opportunities.close_date <= {{ as_of }}

),

final as (

    select
        account_id,
        opportunity_id as first_won_opportunity_id,
        close_date as acquired_date
    from new_business_wins
    where win_rank = 1

)

select * from final
