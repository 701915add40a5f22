{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}

with

source as (

    select
        {{- staging_columns(source('hubspot', 'companies'), hubspot_columns('companies')) }}
    from {{ source('hubspot', 'companies') }}

),

latest as (

    {{ hubspot_latest('source') }}

),

renamed as (

    select
        id as company_id,
        hubspot_owner_id as owner_id,
        'hubspot' as source_system,
        name as company_name,
        {{ normalize_domain('domain') }} as website_domain,
        industry,
        cast(numberofemployees as {{ dbt.type_bigint() }}) as number_of_employees,
        cast(annualrevenue as decimal(18, 2)) as annual_revenue,
        city,
        country,
        type as company_type,
        coalesce(createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as last_modified_at
    from latest

)

select * from renamed
