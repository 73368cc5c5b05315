-- One row per client with credit card monthly snapshots: balance / limit utilisation, drawings, payments vs
-- the minimum installment, days past due, recency and the last-12-months window.
with

credit_cards as (
    select * from {{ ref('stg_credit_card_balances') }}
),

months as (
    select
        *,
        {{ safe_divide('amt_balance', 'amt_credit_limit_actual') }} as utilization_ratio,
        {{ in_last_12_months_months('months_balance') }} as is_last_12_months
    from credit_cards
),

aggregated as (
    select
        client_id,
        count(*) as credit_card_count_months,
        count(distinct previous_application_id) as credit_card_count_cards,
        min(months_balance) as credit_card_min_months_balance,
        max(months_balance) as credit_card_max_months_balance,

        -- balance, limit and utilisation
        avg(amt_balance) as credit_card_mean_balance,
        max(amt_balance) as credit_card_max_balance,
        avg(amt_credit_limit_actual) as credit_card_mean_credit_limit,
        max(amt_credit_limit_actual) as credit_card_max_credit_limit,
        avg(utilization_ratio) as credit_card_mean_utilization_ratio,
        max(utilization_ratio) as credit_card_max_utilization_ratio,
        {{ safe_divide(
            'sum(amt_balance) filter (where months_balance = -1)',
            'sum(amt_credit_limit_actual) filter (where months_balance = -1)'
        ) }} as credit_card_utilization_ratio_last_month,
        sum(amt_balance) filter (where months_balance = -1) as credit_card_sum_balance_last_month,
        avg(amt_receivable_principal) as credit_card_mean_receivable_principal,
        avg(amt_total_receivable) as credit_card_mean_total_receivable,

        -- drawings
        sum(amt_drawings_current) as credit_card_sum_drawings_amount,
        avg(amt_drawings_current) as credit_card_mean_drawings_amount,
        sum(amt_drawings_atm_current) as credit_card_sum_atm_drawings_amount,
        sum(amt_drawings_pos_current) as credit_card_sum_pos_drawings_amount,
        avg(cnt_drawings_current) as credit_card_mean_count_drawings,
        max(cnt_drawings_current) as credit_card_max_count_drawings,
        avg(cnt_drawings_atm_current) as credit_card_mean_count_atm_drawings,
        {{ safe_divide('sum(amt_drawings_atm_current)', 'sum(amt_drawings_current)') }}
            as credit_card_atm_share_of_drawings_amount,

        -- payments
        sum(amt_payment_total_current) as credit_card_sum_payments_amount,
        avg(amt_payment_total_current) as credit_card_mean_payments_amount,
        {{ safe_divide('sum(amt_payment_total_current)', 'sum(amt_inst_min_regularity)') }}
            as credit_card_payments_to_minimum_installment_ratio,
        {{ count_where('amt_payment_total_current < amt_inst_min_regularity') }}
            as credit_card_count_months_paid_below_minimum,
        {{ share_where('amt_payment_total_current < amt_inst_min_regularity') }}
            as credit_card_share_months_paid_below_minimum,
        max(cnt_instalment_mature_cum) as credit_card_max_installments_paid,

        -- days past due
        max(sk_dpd) as credit_card_max_days_past_due,
        avg(sk_dpd) as credit_card_mean_days_past_due,
        max(sk_dpd_def) as credit_card_max_days_past_due_with_tolerance,
        {{ count_where('sk_dpd > 0') }} as credit_card_count_months_past_due,
        {{ share_where('sk_dpd > 0') }} as credit_card_share_months_past_due,
        {{ count_where("name_contract_status = 'Completed'") }} as credit_card_count_completed_months,

        -- last 12 months
        {{ count_where('is_last_12_months') }} as credit_card_count_months_last_12_months,
        avg(utilization_ratio) filter (where is_last_12_months) as credit_card_mean_utilization_ratio_last_12_months,
        sum(amt_drawings_current) filter (where is_last_12_months) as credit_card_sum_drawings_amount_last_12_months,
        max(sk_dpd) filter (where is_last_12_months) as credit_card_max_days_past_due_last_12_months,
        {{ count_where('is_last_12_months and sk_dpd > 0') }} as credit_card_count_months_past_due_last_12_months
    from months
    group by client_id
)

select * from aggregated
