{{ config(enabled=var('hubspot_enabled', false)) }}

with

source as (

    select
        {{- staging_columns(source('hubspot', 'owners'), hubspot_columns('owners')) }}
    from {{ source('hubspot', 'owners') }}

),

renamed as (

    select
        id as owner_id,
        'hubspot' as source_system,
        user_id,
        first_name,
        last_name,
        trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) as owner_name,
        {{ normalize_email('email') }} as email,
        not coalesce(archived, false) as is_active,
        created_at,
        updated_at as last_modified_at
    from source

)

select * from renamed
