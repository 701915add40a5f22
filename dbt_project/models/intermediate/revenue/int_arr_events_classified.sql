-- Closed opportunities that change an account's ARR, in the order they apply. Roles of opportunity
-- types come from vars: arr_replacing_opportunity_types (won: ARR becomes the annualised amount),
-- arr_adding_opportunity_types (won: the annualised amount is added until the next replacement),
-- arr_lost_ending_opportunity_types (lost: ARR ends = churn) and arr_won_ending_opportunity_types
-- (won: ARR ends). Annualised amount = amount_reporting x 12 / term_months (a missing or zero term
-- counts as arr_default_term_months). Replacing or adding opportunities without a converted amount are
-- skipped (the data-quality layer flags them); close dates after as_of_date are ignored.
-- Same-day order: replace, then add, then end, then opportunity id.
{%- set as_of = as_of_date(var('as_of_date', '')) %}
{%- set default_term = var('arr_default_term_months', 12) %}
{%- set replacing = var('arr_replacing_opportunity_types', ['new_business', 'renewal', 'contraction']) %}
{%- set adding = var('arr_adding_opportunity_types', ['expansion']) %}
{%- set lost_ending = var('arr_lost_ending_opportunity_types', ['renewal', 'contraction']) %}
{%- set won_ending = var('arr_won_ending_opportunity_types', ['churn']) %}

with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

type_mapping as (

    select * from {{ ref('opportunity_type_mapping') }}

),

typed as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        type_mapping.opportunity_type,
        opportunities.is_won,
        opportunities.amount_reporting,
        opportunities.term_months,
        opportunities.close_date
    from opportunities
    inner join type_mapping
        on
            opportunities.source_system = type_mapping.source_system
            and opportunities.opportunity_type_source = type_mapping.source_type
    where
        opportunities.is_closed
        and opportunities.account_id is not null
        and opportunities.close_date <= {{ as_of }}

),

classified as (

    select
        opportunity_id,
        account_id,
        opportunity_type,
        case
            when is_won and opportunity_type in ('{{ replacing | join("', '") }}') then 'replace'
            when is_won and opportunity_type in ('{{ adding | join("', '") }}') then 'add'
            when is_won and opportunity_type in ('{{ won_ending | join("', '") }}') then 'end'
            when not is_won and opportunity_type in ('{{ lost_ending | join("', '") }}') then 'end'
        end as event_kind,
        coalesce(nullif(term_months, 0), {{ default_term }}) as term_months,
        cast(
            amount_reporting * 12 / coalesce(nullif(term_months, 0), {{ default_term }}) as decimal(38, 8)
        ) as annualized_amount,
        close_date as event_date
    from typed

),

final as (

    select
        opportunity_id,
        account_id,
        opportunity_type,
        event_kind,
        case event_kind when 'replace' then 1 when 'add' then 2 else 3 end as event_kind_order,
        term_months,
        annualized_amount,
        event_date
    from classified
    where
        event_kind = 'end'
        or (event_kind in ('replace', 'add') and annualized_amount is not null)

)

select * from final
