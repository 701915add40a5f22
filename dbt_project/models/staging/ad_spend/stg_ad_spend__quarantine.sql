-- Ad-platform spend rows that could not be read (malformed), with file, line and reason: the worklist of
-- spend that is missing from the warehouse until the file is fixed and re-delivered.
with

source as (

    select * from {{ source('ad_spend', 'spend_quarantine') }}

),

renamed as (

    select
        file_path,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        reason as quarantine_reason,
        raw_row,
        {{ to_utc_timestamp('file_modified_at') }} as file_modified_at
    from source

)

select * from renamed
