{%- set as_of = as_of_date(var('as_of_date', '')) %}
{%- set stages = var('funnel_stages', ['known', 'engaged', 'sales_ready', 'opportunity', 'qualified', 'won']) %}
{%- set grains = var('funnel_period_grains', ['month', 'quarter']) %}
{%- set window_days = var('funnel_conversion_window_days', 90) %}
{#- one period of each grain as a portable dateadd step (PostgreSQL has no 'quarter' interval) #}
{%- set grain_steps = {'week': ['day', 7], 'month': ['month', 1], 'quarter': ['month', 3], 'year': ['month', 12]} %}
{%- for grain in grains if grain not in grain_steps %}
    {{- exceptions.raise_compiler_error("var funnel_period_grains: unknown grain " ~ grain) }}
{%- endfor %}
with

events as (

    select * from {{ ref('fct_funnel_events') }}

),

opportunities as (

    select * from {{ ref('int_funnel_opportunities_ranked') }}
    where opportunity_rank = 1

),

stage_pairs as (

    {%- for i in range(stages | length - 1) %}
        select
            '{{ stages[i] }}' as from_stage,
            '{{ stages[i + 1] }}' as to_stage,
            {{ i + 1 }} as from_stage_order
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

entity_pairs as (

    select
        from_events.entity_type,
        from_events.entity_id,
        stage_pairs.from_stage,
        stage_pairs.to_stage,
        stage_pairs.from_stage_order,
        from_events.event_date as from_date,
        to_events.event_date as to_date,
        case when stage_pairs.from_stage = 'opportunity' then from_events.entity_id end as opportunity_entity_id,
        case
            when to_events.event_date is not null
                then
                    case
                        when to_events.event_date < from_events.event_date then 0
                        else {{ dbt.datediff('from_events.event_date', 'to_events.event_date', 'day') }}
                    end
        end as days_to_convert,
        case
            when to_events.event_date >= from_events.event_date
                then {{ dbt.datediff('from_events.event_date', 'to_events.event_date', 'day') }}
        end as days_in_order
    from stage_pairs
    inner join events as from_events
        on stage_pairs.from_stage = from_events.funnel_stage
    left join events as to_events
        on
            from_events.entity_type = to_events.entity_type
            and from_events.entity_id = to_events.entity_id
            and stage_pairs.to_stage = to_events.funnel_stage

),

-- The entity's first funnel opportunity, for the velocity columns of the opportunity cohorts only: an
-- equality join on a key that is null for every other from_stage (a condition on the from_stage inside
-- the left join's ON would make it a nested loop). Joined once, before the rows are repeated per grain.
pairs_with_opportunity as (

    select
        entity_pairs.*,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.amount_reporting,
        opportunities.sales_cycle_days
    from entity_pairs
    left join opportunities
        on
            entity_pairs.entity_type = opportunities.entity_type
            and entity_pairs.opportunity_entity_id = opportunities.entity_id

),

cohort_entities as (

    {%- for grain in grains %}
        select
            pairs_with_opportunity.*,
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'pairs_with_opportunity.from_date') }} as date) as period_start
        from pairs_with_opportunity
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

cohorts as (

    select
        entity_type,
        period_grain,
        period_start,
        from_stage,
        count(*) as cohort_count,
        sum(case when days_to_convert <= {{ window_days }} then 1 else 0 end) as converted_within_window_count,
        sum(case when to_date is not null then 1 else 0 end) as converted_ever_count,
        {{ median('days_in_order') }} as median_days_to_convert,
        sum(case when is_closed then 1 else 0 end) as closed_opportunity_count,
        sum(case when is_won then 1 else 0 end) as won_opportunity_count,
        avg(case when is_won then amount_reporting end) as average_won_deal_size,
        {{ median('case when is_won then sales_cycle_days end') }} as median_sales_cycle_days
    from cohort_entities
    group by
        entity_type,
        period_grain,
        period_start,
        from_stage

),

stage_periods as (

    {%- for grain in grains %}
        select
            entity_type,
            funnel_stage,
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'event_date') }} as date) as period_start,
            count(*) as entered_count
        from events
        group by
            entity_type,
            funnel_stage,
            cast({{ dbt.date_trunc(grain, 'event_date') }} as date)
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- Every (entity type, period, stage pair) in which either stage of the pair was entered: the from side
-- and the to side as two equality joins (an OR in one join condition is a nested loop).
spine as (

    select
        stage_periods.entity_type,
        stage_periods.period_grain,
        stage_periods.period_start,
        stage_pairs.from_stage,
        stage_pairs.to_stage,
        stage_pairs.from_stage_order
    from stage_periods
    inner join stage_pairs
        on stage_periods.funnel_stage = stage_pairs.from_stage

    union

    select
        stage_periods.entity_type,
        stage_periods.period_grain,
        stage_periods.period_start,
        stage_pairs.from_stage,
        stage_pairs.to_stage,
        stage_pairs.from_stage_order
    from stage_periods
    inner join stage_pairs
        on stage_periods.funnel_stage = stage_pairs.to_stage

),

final as (

    select
        spine.entity_type,
        spine.period_grain,
        {{ period_label('spine.period_grain', 'spine.period_start') }} as period_label,
        spine.from_stage,
        spine.to_stage,
        spine.from_stage_order,
        {{ window_days }} as conversion_window_days,
        case
            {%- for grain in grains %}
                when spine.period_grain = '{{ grain }}'
                    then
                        {{ dbt.dateadd('day', window_days, dbt.dateadd('day', -1, dbt.dateadd(grain_steps.get(grain, ['month', 1])[0], grain_steps.get(grain, ['month', 1])[1], 'spine.period_start'))) }}
                        <= {{ as_of }}
            {%- endfor %}
        end as is_cohort_window_complete,
        coalesce(from_periods.entered_count, 0) as entered_from_count,
        coalesce(to_periods.entered_count, 0) as entered_to_count,
        coalesce(cohorts.cohort_count, 0) as cohort_count,
        coalesce(cohorts.converted_within_window_count, 0) as converted_within_window_count,
        coalesce(cohorts.converted_ever_count, 0) as converted_ever_count,
        cast(1.0 * cohorts.converted_within_window_count / nullif(cohorts.cohort_count, 0) as {{ type_double() }})
            as cohort_conversion_rate_within_window,
        cast(1.0 * cohorts.converted_ever_count / nullif(cohorts.cohort_count, 0) as {{ type_double() }}) as cohort_conversion_rate_ever,
        cast(1.0 * coalesce(to_periods.entered_count, 0) / nullif(from_periods.entered_count, 0) as {{ type_double() }})
            as period_conversion_rate,
        cast(cohorts.median_days_to_convert as {{ type_double() }}) as median_days_to_convert,
        case when spine.from_stage = 'opportunity' then cohorts.closed_opportunity_count end
            as closed_opportunity_count,
        case when spine.from_stage = 'opportunity' then cohorts.won_opportunity_count end as won_opportunity_count,
        case
            when spine.from_stage = 'opportunity'
                then cast(1.0 * cohorts.won_opportunity_count / nullif(cohorts.closed_opportunity_count, 0) as {{ type_double() }})
        end as win_rate,
        cast(
            case when spine.from_stage = 'opportunity' then cohorts.average_won_deal_size end as decimal(18, 2)
        ) as average_won_deal_size,
        cast(
            case when spine.from_stage = 'opportunity' then cohorts.median_sales_cycle_days end as {{ type_double() }}
        ) as median_sales_cycle_days,
        spine.period_start,
        case
            {%- for grain in grains %}
                when spine.period_grain = '{{ grain }}'
                    then cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain_steps.get(grain, ['month', 1])[0], grain_steps.get(grain, ['month', 1])[1], 'spine.period_start')) }} as date)
            {%- endfor %}
        end as period_end
    from spine
    left join stage_periods as from_periods
        on
            spine.entity_type = from_periods.entity_type
            and spine.period_grain = from_periods.period_grain
            and spine.period_start = from_periods.period_start
            and spine.from_stage = from_periods.funnel_stage
    left join stage_periods as to_periods
        on
            spine.entity_type = to_periods.entity_type
            and spine.period_grain = to_periods.period_grain
            and spine.period_start = to_periods.period_start
            and spine.to_stage = to_periods.funnel_stage
    left join cohorts
        on
            spine.entity_type = cohorts.entity_type
            and spine.period_grain = cohorts.period_grain
            and spine.period_start = cohorts.period_start
            and spine.from_stage = cohorts.from_stage

)

select * from final
