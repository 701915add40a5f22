{{ config(enabled=var('hubspot_enabled', false)) }}

{#- One row per form submission with its form; the form's campaign is matched downstream by name. -#}
with

submissions as (

    select
        {{- staging_columns(source('hubspot', 'form_submissions'), hubspot_columns('form_submissions')) }}
    from {{ source('hubspot', 'form_submissions') }}

),

forms as (

    select
        {{- staging_columns(source('hubspot', 'forms'), hubspot_columns('forms')) }}
    from {{ source('hubspot', 'forms') }}

)

select
    submissions.submission_id,
    submissions.form_id,
    forms.name as form_name,
    submissions.submitted_at,
    submissions.page_url,
    {{ normalize_email('submissions.email') }} as email_normalized
from submissions
left join forms on submissions.form_id = forms.id
