-- One row per product event: the tracker delivers at least once, so deliveries sharing an event_id are
-- collapsed to the first loaded. Emails and domains are normalised (trim, lower case); times in UTC.
with

source as (

    select * from {{ source('product_events', 'events') }}

),

ranked as (

    select
        *,
        row_number() over (partition by event_id order by _dlt_load_id, _dlt_id) as delivery_rank
    from source

),

renamed as (

    select
        event_id,
        user_id,
        account_id as workspace_id,
        event_name,
        {{ normalize_email('email') }} as email_normalized,
        nullif(lower(trim(account_domain)), '') as account_domain,
        cast(properties as {{ dbt.type_string() }}) as properties_json,
        file_path,
        {{ to_utc_timestamp('"timestamp"') }} as event_at
    from ranked
    where delivery_rank = 1

)

select * from renamed
