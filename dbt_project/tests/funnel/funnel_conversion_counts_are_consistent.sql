-- Within a cohort: converted within the window <= converted ever <= cohort size = entities entering from_stage.
select *
from {{ ref('fct_funnel_conversion') }}
where
    converted_within_window_count > converted_ever_count
    or converted_ever_count > cohort_count
    or cohort_count <> entered_from_count
