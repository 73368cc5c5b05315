-- One row per application client: readable descriptive attributes for the advisor dashboard
-- (years instead of negative day counts, booleans instead of Y/N, plain column names).
with

applications as (
    select * from {{ ref('stg_applications') }}
),

profiles as (
    select
        client_id,
        split,
        code_gender as gender,
        round({{ days_to_years('-days_birth') }}, 1) as age_years,
        name_family_status as family_status,
        cnt_children as children_count,
        cnt_fam_members as family_members_count,
        name_education_type as education,
        name_income_type as income_type,
        occupation_type as occupation,
        organization_type,
        round({{ days_to_years('-days_employed') }}, 1) as years_employed,
        name_housing_type as housing_type,
        flag_own_car = 'Y' as owns_car,
        flag_own_realty = 'Y' as owns_realty,
        name_contract_type as contract_type,
        amt_income_total as annual_income,
        amt_credit as credit_amount,
        amt_annuity as annuity_amount,
        amt_goods_price as goods_price,
        region_rating_client as region_rating,
        region_rating_client_w_city as region_rating_with_city
    from applications
)

select * from profiles
