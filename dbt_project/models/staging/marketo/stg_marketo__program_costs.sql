{{ config(enabled=var('marketo_enabled', false)) }}

with

costs as (

    {% if optional_source('marketo', 'program_costs') is not none %}
        select
            {{- staging_columns(source('marketo', 'program_costs'), [
                {"name": "program_id", "type": "string"},
                {"name": "start_date", "type": "date"},
                {"name": "cost", "type": "money"},
                {"name": "note", "type": "string"},
            ]) }}
        from {{ source('marketo', 'program_costs') }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as program_id,
            cast(null as date) as start_date,
            cast(null as decimal(18, 2)) as cost,
            cast(null as {{ dbt.type_string() }}) as note
        where false
    {% endif %}

),

programs as (

    select * from {{ ref('stg_marketo__programs') }}

)

select
    costs.program_id,
    costs.start_date as period_start_date,
    programs.currency_code,
    costs.cost,
    costs.note
from costs
inner join programs
    on costs.program_id = programs.program_id
