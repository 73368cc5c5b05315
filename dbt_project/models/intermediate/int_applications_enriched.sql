-- One row per application (train and test): features derived from the application row itself: ratios of
-- amounts, durations relative to age, summaries of the external scores, counts of documents, contacts,
-- address mismatches and missing building information.
{%- set ext_sources = ['ext_source_1', 'ext_source_2', 'ext_source_3'] %}
{%- set documents = [] %}
{%- for n in range(2, 22) %}{% do documents.append('flag_document_' ~ n) %}{% endfor %}
{%- set contacts = ['flag_mobil', 'flag_emp_phone', 'flag_work_phone', 'flag_cont_mobile', 'flag_phone', 'flag_email'] %}
{%- set address_mismatches = [
    'reg_region_not_live_region', 'reg_region_not_work_region', 'live_region_not_work_region',
    'reg_city_not_live_city', 'reg_city_not_work_city', 'live_city_not_work_city'] %}
{%- set enquiries = [
    'amt_req_credit_bureau_hour', 'amt_req_credit_bureau_day', 'amt_req_credit_bureau_week',
    'amt_req_credit_bureau_mon', 'amt_req_credit_bureau_qrt', 'amt_req_credit_bureau_year'] %}
{%- set building = [] %}
{%- for measure in ['apartments', 'basementarea', 'years_beginexpluatation', 'years_build', 'commonarea',
                    'elevators', 'entrances', 'floorsmax', 'floorsmin', 'landarea', 'livingapartments',
                    'livingarea', 'nonlivingapartments', 'nonlivingarea'] %}
    {%- for statistic in ['avg', 'mode', 'medi'] %}{% do building.append(measure ~ '_' ~ statistic) %}{% endfor %}
{%- endfor %}
{%- do building.extend(['fondkapremont_mode', 'housetype_mode', 'totalarea_mode', 'wallsmaterial_mode',
                        'emergencystate_mode']) %}

with

applications as (
    select * from {{ ref('stg_applications') }}
),

enriched as (
    select
        client_id,

        -- amounts
        {{ safe_divide('amt_credit', 'amt_income_total') }} as credit_to_income_ratio,
        {{ safe_divide('amt_annuity', 'amt_income_total') }} as annuity_to_income_ratio,
        {{ safe_divide('amt_annuity', 'amt_credit') }} as annuity_to_credit_ratio,
        {{ safe_divide('amt_credit', 'amt_annuity') }} as credit_term_in_annuities,
        {{ safe_divide('amt_credit', 'amt_goods_price') }} as credit_to_goods_price_ratio,
        {{ safe_divide('amt_goods_price', 'amt_income_total') }} as goods_price_to_income_ratio,
        amt_credit - amt_goods_price as credit_minus_goods_price,
        {{ safe_divide('amt_income_total', 'cnt_fam_members') }} as income_per_family_member,
        {{ safe_divide('cnt_children', 'cnt_fam_members') }} as children_to_family_members_ratio,

        -- durations
        {{ days_to_years('-days_birth') }} as age_years,
        {{ days_to_years('-days_employed') }} as years_employed,
        {{ safe_divide('days_employed', 'days_birth') }} as employed_to_age_ratio,
        {{ safe_divide('days_registration', 'days_birth') }} as registration_to_age_ratio,
        {{ safe_divide('days_id_publish', 'days_birth') }} as id_publish_to_age_ratio,
        {{ safe_divide('days_last_phone_change', 'days_birth') }} as phone_change_to_age_ratio,
        {{ safe_divide('own_car_age', days_to_years('-days_birth')) }} as car_age_to_age_ratio,

        -- external scores (NULLs ignored; NULL when all three are missing)
        {{ mean_of(ext_sources) }} as ext_source_mean,
        {{ min_of(ext_sources) }} as ext_source_min,
        {{ max_of(ext_sources) }} as ext_source_max,
        {{ stddev_pop_of(ext_sources) }} as ext_source_std,
        ext_source_1 * ext_source_2 * ext_source_3 as ext_source_product,
        {{ count_missing(ext_sources) }} as ext_source_count_missing,

        -- counts over groups of flags
        {{ sum_of(documents) }} as document_count,
        {{ sum_of(contacts) }} as contact_count,
        {{ sum_of(address_mismatches) }} as address_mismatch_count,
        {{ sum_of(enquiries) }} as credit_bureau_enquiry_count,
        {{ safe_divide('def_30_cnt_social_circle', 'obs_30_cnt_social_circle') }} as social_circle_default_30_ratio,
        {{ safe_divide('def_60_cnt_social_circle', 'obs_60_cnt_social_circle') }} as social_circle_default_60_ratio,
        {{ count_missing(building) }} as building_count_missing_values
    from applications
)

select * from enriched
