{{ config(enabled=var('hubspot_enabled', false) and var('hubspot_crm_enabled', true)) }}
-- HubSpot contact-deal associations in the opportunity contact roles contract (the columns of
-- stg_salesforce__opportunity_contact_roles): one row per USER_DEFINED label (the role) of a pair, and
-- one row without role for a pair that has no label. HubSpot has no primary contact role.
with

associations as (

    select * from {{ ref('stg_hubspot__associations') }}
    where from_object_type = 'contacts' and to_object_type = 'deals'

),

pairs as (

    select
        from_id as contact_id,
        to_id as deal_id,
        case when association_category = 'USER_DEFINED' then association_label end as contact_role
    from associations

),

labelled as (

    select
        contact_id,
        deal_id
    from pairs
    where contact_role is not null
    group by contact_id, deal_id

),

roles as (

    select distinct
        pairs.contact_id,
        pairs.deal_id,
        pairs.contact_role
    from pairs
    left join labelled
        on
            pairs.contact_id = labelled.contact_id
            and pairs.deal_id = labelled.deal_id
    where pairs.contact_role is not null or labelled.contact_id is null

),

final as (

    select
        {{ dbt.hash("deal_id || '|' || contact_id || '|' || coalesce(contact_role, '')") }}
            as opportunity_contact_role_id,
        deal_id as opportunity_id,
        contact_id,
        contact_role,
        false as is_primary,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as last_modified_at,
        cast(null as {{ dbt.type_timestamp() }}) as system_modified_at
    from roles

)

select * from final
