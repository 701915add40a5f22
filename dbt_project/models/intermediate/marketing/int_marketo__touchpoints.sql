{{ config(enabled=var('marketo_enabled', false)) }}
-- One row per Marketo activity that is a marketing touch (var marketo_touch_activity_types); a program
-- status change counts only on a success step when var marketo_touch_requires_success is true (a
-- Registered or Sent status is not an interaction, as a non-responded Salesforce campaign member is not).
-- Sends, opens, deliveries, new-lead and data-value activities are never touches.
with

activities as (

    select * from {{ ref('stg_marketo__activities') }}

),

programs as (

    select * from {{ ref('stg_marketo__programs') }}

)

select
    'marketo:' || activities.activity_id as touchpoint_id,
    activities.source_system,
    activities.activity_id as source_record_id,
    activities.lead_id as person_record_id,
    'marketo:' || activities.program_id as campaign_id,
    case activities.activity_type_name
        when 'Fill Out Form' then 'form_submission'
        when 'Click Email' then 'email_click'
        when 'Change Status in Progression' then 'program_status'
        else lower(replace(activities.activity_type_name, ' ', '_'))
    end as touch_type,
    coalesce(activities.new_status, activities.primary_attribute_value) as touch_detail,
    programs.channel as campaign_type,
    true as is_marketing_touch,
    activities.activity_at as touched_at
from activities
left join programs
    on activities.program_id = programs.program_id
where
    activities.activity_type_name in (
        {%- for name in var('marketo_touch_activity_types') %}
            '{{ name }}'{{ "," if not loop.last }}
        {%- endfor %}
    )
    {%- if var('marketo_touch_requires_success') %}
        and (activities.activity_type_name != 'Change Status in Progression' or activities.is_success)
    {%- endif %}
