-- Positions and credit of every eligible touch under every attribution model (seed attribution_weights).
-- Positions: first (earliest touch of the path), sales_ready (var attribution_sales_ready_source: 'funnel'
-- = the funnel's sales-ready touch of the opportunity's sales-ready moment when it is on the path, else
-- the last touch at or before that moment; 'touch_intent' = the first high-intent touch before creation;
-- without one, var attribution_sales_ready_fallback), opportunity_creation (last touch before creation),
-- closing (last touch up to the close milestone). A touch earns the weights of the anchor positions it
-- holds, an equal share of the model's 'rest' weight when it holds none of them, plus 'each' and
-- 'each_time_decayed' (times 2^(-days before the milestone / var time_decay_half_life_days)). Credit =
-- that weight / the sum of weights of the opportunity's touches under the model (sums to exactly 1).
-- Touches ordered by (touched_at, touchpoint_id).
{%- set source = var('attribution_sales_ready_source', 'funnel') %}
{%- if source not in ['funnel', 'touch_intent'] %}
    {{ exceptions.raise_compiler_error("var attribution_sales_ready_source must be funnel or touch_intent, got " ~ source) }}
{%- endif %}
{%- if source == 'funnel' %}
    {%- set source_position = 'coalesce(min(case when is_sales_ready_moment_touch then path_position end), '
        ~ 'max(case when touched_at <= opportunity_sales_ready_at then path_position end))' %}
{%- else %}
    {%- set source_position = 'min(case when is_high_intent then path_position end)' %}
{%- endif %}
{%- set fallback = var('attribution_sales_ready_fallback', 'lead_conversion') %}
{%- if fallback not in ['lead_conversion', 'none'] %}
    {{ exceptions.raise_compiler_error("var attribution_sales_ready_fallback must be lead_conversion or none, got " ~ fallback) }}
{%- endif %}
{%- if fallback == 'lead_conversion' %}
    {%- set fallback_position = 'greatest(max(pre_creation_touch_count) - 1, 1)' %}
{%- else %}
    {%- set fallback_position = 'cast(null as ' ~ dbt.type_bigint() ~ ')' %}
{%- endif %}
{%- set half_life = var('time_decay_half_life_days', 7) %}
with

paths as (

    select * from {{ ref('int_attribution_touch_paths') }}

),

weights as (

    select * from {{ ref('attribution_weights') }}

),

models as (

    select
        attribution_model,
        max(milestone) as milestone,
        sum(case when touch_position = 'first' then weight end) as first_weight,
        sum(case when touch_position = 'sales_ready' then weight end) as sales_ready_weight,
        sum(case when touch_position = 'opportunity_creation' then weight end) as opportunity_creation_weight,
        sum(case when touch_position = 'closing' then weight end) as closing_weight,
        sum(case when touch_position = 'rest' then weight end) as rest_weight,
        sum(case when touch_position = 'each' then weight end) as each_weight,
        sum(case when touch_position = 'each_time_decayed' then weight end) as each_time_decayed_weight
    from weights
    group by attribution_model

),

ranked as (

    select
        paths.*,
        row_number() over (
            partition by paths.opportunity_id
            order by paths.touched_at, paths.touchpoint_id
        ) as path_position,
        row_number() over (
            partition by paths.opportunity_id
            order by paths.touched_at desc, paths.touchpoint_id desc
        ) as path_position_from_end,
        count(*) over (partition by paths.opportunity_id) as path_touch_count,
        sum(case when paths.is_before_creation then 1 else 0 end)
            over (partition by paths.opportunity_id) as pre_creation_touch_count
    from paths

),

sales_ready as (

    select
        opportunity_id,
        {{ source_position }} as source_position,
        {{ fallback_position }} as fallback_position
    from ranked
    where is_before_creation
    group by opportunity_id

),

positioned as (

    select
        ranked.*,
        ranked.path_position = 1 as is_first_touch,
        (
            ranked.is_before_creation
            and ranked.path_position = coalesce(sales_ready.source_position, sales_ready.fallback_position)
        ) as is_sales_ready_touch,
        (
            ranked.is_before_creation
            and ranked.path_position = ranked.pre_creation_touch_count
        ) as is_opportunity_creation_touch,
        ranked.path_position_from_end = 1 as is_closing_touch
    from ranked
    left join sales_ready
        on ranked.opportunity_id = sales_ready.opportunity_id

),

modelled as (

    select
        positioned.*,
        models.attribution_model,
        models.milestone,
        models.rest_weight,
        case when positioned.is_first_touch then coalesce(models.first_weight, 0) else 0 end
        + case when positioned.is_sales_ready_touch then coalesce(models.sales_ready_weight, 0) else 0 end
        + case
            when positioned.is_opportunity_creation_touch then coalesce(models.opportunity_creation_weight, 0) else 0
        end
        + case when positioned.is_closing_touch then coalesce(models.closing_weight, 0) else 0 end
        + coalesce(models.each_weight, 0)
        + coalesce(models.each_time_decayed_weight, 0) * power(
            cast(2 as {{ type_double() }}),
            -1 * cast(
                case
                    when models.milestone = 'opportunity_closed' then positioned.days_before_close
                    else positioned.days_before_creation
                end as {{ type_double() }}
            ) / {{ half_life }}
        ) as fixed_weight,
        (positioned.is_first_touch and models.first_weight is not null)
        or (positioned.is_sales_ready_touch and models.sales_ready_weight is not null)
        or (positioned.is_opportunity_creation_touch and models.opportunity_creation_weight is not null)
        or (positioned.is_closing_touch and models.closing_weight is not null) as holds_anchor_position
    from positioned
    inner join models
        on
            models.milestone = 'opportunity_closed'
            or positioned.is_before_creation

),

rest_shared as (

    select
        modelled.*,
        sum(case when modelled.holds_anchor_position then 0 else 1 end)
            over (partition by modelled.opportunity_id, modelled.attribution_model) as rest_touch_count,
        sum(modelled.fixed_weight)
            over (partition by modelled.opportunity_id, modelled.attribution_model) as fixed_weight_total
    from modelled

),

-- The rest weight counts once per opportunity when at least one touch shares it. A rest touch's share
-- is computed as rest_weight / (rest_touch_count * total) so it is rounded once.
weighted as (

    select
        rest_shared.*,
        rest_shared.fixed_weight_total + case
            when rest_shared.rest_touch_count > 0 then coalesce(rest_shared.rest_weight, 0) else 0
        end as total_weight,
        case
            when rest_shared.holds_anchor_position then 0
            else coalesce(rest_shared.rest_weight, 0)
        end as rest_share_weight
    from rest_shared

),

final as (

    select
        opportunity_id,
        touchpoint_id,
        attribution_model,
        person_id,
        milestone,
        is_contact_inferred,
        is_high_intent,
        is_before_creation,
        is_first_touch,
        is_sales_ready_touch,
        is_opportunity_creation_touch,
        is_closing_touch,
        path_position,
        path_touch_count,
        pre_creation_touch_count,
        days_before_creation,
        days_before_close,
        fixed_weight + rest_share_weight / greatest(rest_touch_count, 1) as position_weight,
        fixed_weight / nullif(total_weight, 0)
        + rest_share_weight / nullif(greatest(rest_touch_count, 1) * total_weight, 0) as credit,
        touched_at,
        opportunity_created_at,
        close_milestone_date
    from weighted

)

select * from final
