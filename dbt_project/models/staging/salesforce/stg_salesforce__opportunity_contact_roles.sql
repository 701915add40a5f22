with

source as (

    select
        {{- staging_columns(source('salesforce', 'opportunity_contact_role'), salesforce_columns('opportunity_contact_role')) }}
    from {{ source('salesforce', 'opportunity_contact_role') }}

),

latest as (

    {{ dedupe_latest('source') }}

),

renamed as (

    select
        id as opportunity_contact_role_id,
        opportunity_id,
        contact_id,
        role as contact_role,
        coalesce(is_primary, false) as is_primary,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at
    from latest

)

select * from renamed
