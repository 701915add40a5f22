-- Product events that could not be read, with file, line and reason (never silently dropped).
with

source as (

    select * from {{ source('product_events', 'event_quarantine') }}

),

renamed as (

    select
        file_path,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        reason as quarantine_reason,
        raw_event
    from source

)

select * from renamed
