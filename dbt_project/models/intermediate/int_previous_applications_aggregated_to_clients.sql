-- One row per client with previous Home Credit applications: overall, approved and refused applications,
-- amounts asked vs granted, refusal reasons, products, recency and the last-12-months window.
with

previous_applications as (
    select * from {{ ref('stg_previous_applications') }}
),

applications as (
    select
        *,
        name_contract_status = 'Approved' as is_approved,
        name_contract_status = 'Refused' as is_refused,
        {{ in_last_12_months_days('days_decision') }} as is_last_12_months,
        {{ safe_divide('amt_credit', 'amt_application') }} as credit_to_application_ratio
    from previous_applications
),

aggregated as (
    select
        client_id,

        -- outcomes
        count(*) as previous_count_applications,
        {{ count_where('is_approved') }} as previous_count_approved_applications,
        {{ count_where('is_refused') }} as previous_count_refused_applications,
        {{ count_where("name_contract_status = 'Canceled'") }} as previous_count_canceled_applications,
        {{ count_where("name_contract_status = 'Unused offer'") }} as previous_count_unused_offers,
        {{ share_where('is_approved') }} as previous_share_approved_applications,
        {{ share_where('is_refused') }} as previous_share_refused_applications,

        -- products and channels
        {{ count_where("name_contract_type = 'Cash loans'") }} as previous_count_cash_loans,
        {{ count_where("name_contract_type = 'Consumer loans'") }} as previous_count_consumer_loans,
        {{ count_where("name_contract_type = 'Revolving loans'") }} as previous_count_revolving_loans,
        {{ count_where("name_product_type = 'x-sell'") }} as previous_count_cross_sell_applications,
        {{ count_where("name_product_type = 'walk-in'") }} as previous_count_walk_in_applications,
        {{ count_where("name_client_type = 'New'") }} as previous_count_applications_as_new_client,
        {{ count_where("name_yield_group = 'high'") }} as previous_count_high_yield_applications,
        {{ count_where("name_yield_group in ('low_normal', 'low_action')") }}
            as previous_count_low_yield_applications,
        {{ count_where('nflag_insured_on_approval = 1') }} as previous_count_insured_applications,

        -- amounts asked vs granted
        sum(amt_application) as previous_sum_amount_applied,
        avg(amt_application) as previous_mean_amount_applied,
        max(amt_application) as previous_max_amount_applied,
        sum(amt_credit) as previous_sum_amount_granted,
        avg(amt_credit) as previous_mean_amount_granted,
        max(amt_credit) as previous_max_amount_granted,
        {{ safe_divide('sum(amt_credit)', 'sum(amt_application)') }} as previous_granted_to_applied_ratio,
        avg(credit_to_application_ratio) as previous_mean_credit_to_application_ratio,
        min(credit_to_application_ratio) as previous_min_credit_to_application_ratio,
        avg(amt_annuity) as previous_mean_annuity_amount,
        max(amt_annuity) as previous_max_annuity_amount,
        avg(amt_goods_price) as previous_mean_goods_price,
        avg(amt_down_payment) as previous_mean_down_payment_amount,
        avg(rate_down_payment) as previous_mean_down_payment_rate,
        max(rate_down_payment) as previous_max_down_payment_rate,
        avg(cnt_payment) as previous_mean_term_in_payments,
        max(cnt_payment) as previous_max_term_in_payments,

        -- recency (days relative to the application, negative = before)
        max(days_decision) as previous_max_days_decision,
        min(days_decision) as previous_min_days_decision,
        avg(days_decision) as previous_mean_days_decision,
        avg(hour_appr_process_start) as previous_mean_hour_of_application,

        -- approved applications
        sum(amt_credit) filter (where is_approved) as previous_sum_approved_amount_granted,
        avg(amt_credit) filter (where is_approved) as previous_mean_approved_amount_granted,
        sum(amt_annuity) filter (where is_approved) as previous_sum_approved_annuity_amount,
        avg(cnt_payment) filter (where is_approved) as previous_mean_approved_term_in_payments,
        max(days_decision) filter (where is_approved) as previous_max_approved_days_decision,
        avg(days_first_due) filter (where is_approved) as previous_mean_approved_days_first_due,
        max(days_last_due_1st_version) filter (where is_approved) as previous_max_approved_days_last_due_1st_version,
        max(days_termination) filter (where is_approved) as previous_max_approved_days_termination,
        {{ count_where('is_approved and flag_last_due_pending = 1') }}
            as previous_count_approved_applications_still_running,
        avg(days_last_due_1st_version - days_first_due) filter (where is_approved)
            as previous_mean_approved_planned_duration_days,

        -- refused applications and refusal reasons (CODE_REJECT_REASON; XAP = not refused)
        sum(amt_application) filter (where is_refused) as previous_sum_refused_amount_applied,
        avg(amt_application) filter (where is_refused) as previous_mean_refused_amount_applied,
        max(days_decision) filter (where is_refused) as previous_max_refused_days_decision,
        {{ count_where("code_reject_reason = 'HC'") }} as previous_count_refusals_for_reason_hc,
        {{ count_where("code_reject_reason = 'LIMIT'") }} as previous_count_refusals_for_reason_limit,
        {{ count_where("code_reject_reason = 'SCO'") }} as previous_count_refusals_for_reason_sco,
        {{ count_where("code_reject_reason = 'SCOFR'") }} as previous_count_refusals_for_reason_scofr,
        {{ count_where("code_reject_reason = 'CLIENT'") }} as previous_count_refusals_for_reason_client,
        {{ count_where("code_reject_reason = 'VERIF'") }} as previous_count_refusals_for_reason_verif,
        {{ count_where("code_reject_reason = 'SYSTEM'") }} as previous_count_refusals_for_reason_system,

        -- last 12 months
        {{ count_where('is_last_12_months') }} as previous_count_applications_last_12_months,
        {{ count_where('is_last_12_months and is_approved') }} as previous_count_approved_applications_last_12_months,
        {{ count_where('is_last_12_months and is_refused') }} as previous_count_refused_applications_last_12_months,
        sum(amt_application) filter (where is_last_12_months) as previous_sum_amount_applied_last_12_months,
        sum(amt_credit) filter (where is_last_12_months and is_approved)
            as previous_sum_approved_amount_granted_last_12_months
    from applications
    group by client_id
)

select * from aggregated
