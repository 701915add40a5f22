{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}

{#- One row per associated pair and label, in one canonical direction (contact -> deal, contact -> company,
    deal -> company): rows read from either side collapse. HUBSPOT_DEFINED type ids differ per direction,
    so rows are keyed by category and label; is_primary marks HubSpot's primary company of a contact/deal. -#}
with

source as (

    select
        {{- staging_columns(source('hubspot', 'associations'), hubspot_columns('associations')) }}
    from {{ source('hubspot', 'associations') }}

),

canonical as (

    select
        case when swap then to_object_type else from_object_type end as from_object_type,
        case when swap then to_id else from_id end as from_id,
        case when swap then from_object_type else to_object_type end as to_object_type,
        case when swap then from_id else to_id end as to_id,
        association_category,
        association_label
    from (
        select
            source.*,
            (source.from_object_type = 'deals' and source.to_object_type = 'contacts')
            or (source.from_object_type = 'companies') as swap
        from source
    ) as directed

)

select distinct
    from_object_type,
    from_id,
    to_object_type,
    to_id,
    association_category,
    association_label,
    coalesce(association_label = 'Primary' and association_category = 'HUBSPOT_DEFINED', false) as is_primary
from canonical
