-- One row per ad-platform spend row, typed and renamed. Platform and platform channel are lower case.
-- Rows flagged at load (quarantine_reason: currency without exchange rate) stay here, flagged.
with

source as (

    select * from {{ source('ad_spend', 'daily_spend') }}

),

renamed as (

    select
        {{ dbt.hash("coalesce(file_path, '') || ':' || cast(line_number as " ~ dbt.type_string() ~ ")") }}
            as spend_row_id,
        lower(trim(platform)) as platform,
        lower(trim(channel)) as platform_channel,
        nullif(trim(campaign_id), '') as platform_campaign_id,
        nullif(trim(campaign_name), '') as campaign_name,
        upper(trim(currency)) as currency_code,
        quarantine_reason,
        file_path,
        cast(line_number as {{ dbt.type_bigint() }}) as line_number,
        cast(cost as {{ dbt.type_numeric() }}) as cost_amount,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(spend_date as date) as spend_date,
        {{ to_utc_timestamp('file_modified_at') }} as file_modified_at
    from source

)

select * from renamed
