with

source as (

    select
        {{- staging_columns(source('salesforce', 'user'), salesforce_columns('user')) }}
    from {{ source('salesforce', 'user') }}

),

latest as (

    {{ dedupe_latest('source', has_is_deleted=false) }}

),

renamed as (

    select
        id as user_id,
        username,
        name as user_name,
        first_name,
        last_name,
        {{ normalize_email('email') }} as email,
        title,
        department,
        is_active,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
