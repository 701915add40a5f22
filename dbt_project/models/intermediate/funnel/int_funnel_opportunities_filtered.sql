-- One row per funnel opportunity: opportunity_type in var funnel_opportunity_types, created up to
-- as_of_date. is_disqualified: closed lost with a loss reason in var funnel_disqualifying_loss_reasons.
{%- set as_of = as_of_date(var('as_of_date', '')) %}
{%- set types = var('funnel_opportunity_types', ['new_business', 'expansion']) %}
{%- set dq_reasons = var('funnel_disqualifying_loss_reasons', []) %}
{#- an empty list matches nothing (null never equals a loss reason) #}
{%- set dq_list = "'" ~ (dq_reasons | join("', '")) ~ "'" if dq_reasons | length > 0 else 'null' %}
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

final as (

    select
        opportunity_id,
        account_id,
        primary_campaign_id,
        lead_source,
        is_closed,
        is_won,
        is_closed and not is_won as is_lost,
        coalesce(is_closed and not is_won and loss_reason in ({{ dq_list }}), false) as is_disqualified,
        loss_reason,
        amount_reporting,
        sales_cycle_days,
        created_at,
        first_qualified_at,
        close_date
    from opportunities
    where
        opportunity_type in ({% for t in types %}'{{ t }}'{{ ", " if not loop.last }}{% endfor %})
        and cast(created_at as date) <= {{ as_of }}

)

select * from final
