{%- set as_of = as_of_date(var('as_of_date', '')) %}
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

mqa as (

    select * from {{ ref('int_funnel_accounts_mqa') }}

),

opportunities as (

    select * from {{ ref('int_funnel_opportunities_ranked') }}
    where entity_type = 'account'

),

opportunities_after_mqa as (

    select
        opportunities.account_id,
        opportunities.opportunity_id,
        opportunities.is_won,
        opportunities.is_closed,
        opportunities.amount_reporting,
        opportunities.created_at,
        opportunities.first_qualified_at,
        opportunities.close_date,
        row_number() over (
            partition by opportunities.account_id
            order by opportunities.created_at, opportunities.opportunity_id
        ) as after_rank
    from opportunities
    inner join mqa
        on
            opportunities.account_id = mqa.account_id
            and opportunities.created_at >= mqa.mqa_at

),

opportunities_before_mqa as (

    select opportunities.account_id
    from opportunities
    inner join mqa
        on
            opportunities.account_id = mqa.account_id
            and opportunities.created_at < mqa.mqa_at
    group by opportunities.account_id

),

next_opportunities as (

    select * from opportunities_after_mqa
    where after_rank = 1

),

final as (

    select
        accounts.account_id,
        mqa.touchpoint_id as mqa_touchpoint_id,
        next_opportunities.opportunity_id,
        accounts.is_icp_fit,
        mqa.account_id is not null as is_mqa,
        opportunities_before_mqa.account_id is not null as had_opportunity_before_mqa,
        next_opportunities.opportunity_id is not null as has_opportunity_after_mqa,
        next_opportunities.first_qualified_at is not null
        and cast(next_opportunities.first_qualified_at as date)
        <= {{ as_of }} as is_qualified,
        coalesce(next_opportunities.is_won, false) as is_won,
        mqa.engaged_person_count,
        mqa.senior_person_count,
        case when next_opportunities.is_won then next_opportunities.amount_reporting end as won_amount_reporting,
        {{ dbt.datediff('cast(mqa.mqa_at as date)',
            'cast(next_opportunities.created_at as date)', 'day') }}
            as days_mqa_to_opportunity,
        mqa.mqa_at,
        next_opportunities.created_at as opportunity_created_at,
        next_opportunities.first_qualified_at as qualified_at,
        case when next_opportunities.is_won then next_opportunities.close_date end as won_date
    from accounts
    left join mqa
        on accounts.account_id = mqa.account_id
    left join opportunities_before_mqa
        on accounts.account_id = opportunities_before_mqa.account_id
    left join next_opportunities
        on accounts.account_id = next_opportunities.account_id

)

select * from final
