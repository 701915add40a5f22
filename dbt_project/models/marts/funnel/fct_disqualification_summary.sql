{%- set grains = var('funnel_period_grains', ['month', 'quarter']) %}
with

disqualifications as (

    select * from {{ ref('fct_disqualifications') }}

),

by_period as (

    {%- for grain in grains %}
        select
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'disqualified_date') }} as date) as period_start,
            object_type,
            channel,
            campaign_id,
            days_to_disqualify
        from disqualifications
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        period_grain,
        {{ period_label('period_grain', 'period_start') }} as period_label,
        object_type,
        channel,
        campaign_id,
        count(*) as disqualified_count,
        cast({{ median('days_to_disqualify') }} as {{ type_double() }}) as median_days_to_disqualify,
        period_start
    from by_period
    group by
        period_grain,
        period_start,
        object_type,
        channel,
        campaign_id

)

select * from final
