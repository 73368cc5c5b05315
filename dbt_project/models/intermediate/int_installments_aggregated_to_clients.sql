-- One row per client with installment payments: days late or early, paid vs owed, underpaid and missed
-- payments, recency and the last-12-months window. Measured per payment row, as the reference kernel does
-- (an installment paid in several parts has several rows, each compared with the installment amount).
with

installments as (
    select * from {{ ref('stg_installments_payments') }}
),

payments as (
    select
        *,
        -- NULL for a missed payment (no entry date): greatest() alone would ignore the NULL and give 0
        case when days_entry_payment is not null
            then greatest(days_entry_payment - days_instalment, 0) end as days_late,
        case when days_entry_payment is not null
            then greatest(days_instalment - days_entry_payment, 0) end as days_early,
        {{ safe_divide('amt_payment', 'amt_instalment') }} as payment_ratio,
        greatest(amt_instalment - coalesce(amt_payment, 0), 0) as amount_underpaid,
        amt_payment is null as is_missed,
        {{ in_last_12_months_days('days_instalment') }} as is_last_12_months
    from installments
),

aggregated as (
    select
        client_id,
        count(*) as installments_count_payments,
        count(distinct previous_application_id) as installments_count_loans,
        {{ count_where('num_instalment_version = 0') }} as installments_count_credit_card_payments,
        max(num_instalment_version) as installments_max_instalment_version,
        max(num_instalment_number) as installments_max_instalment_number,

        -- timing
        avg(days_late) as installments_mean_days_late,
        max(days_late) as installments_max_days_late,
        sum(days_late) as installments_sum_days_late,
        avg(days_early) as installments_mean_days_early,
        max(days_early) as installments_max_days_early,
        {{ count_where('days_late > 0') }} as installments_count_late_payments,
        {{ share_where('days_late > 0') }} as installments_share_late_payments,
        {{ count_where('days_late > 30') }} as installments_count_payments_over_30_days_late,
        {{ share_where('days_late > 30') }} as installments_share_payments_over_30_days_late,

        -- amounts
        sum(amt_instalment) as installments_sum_amount_owed,
        sum(amt_payment) as installments_sum_amount_paid,
        {{ safe_divide('sum(amt_payment)', 'sum(amt_instalment)') }} as installments_paid_to_owed_ratio,
        avg(payment_ratio) as installments_mean_payment_ratio,
        min(payment_ratio) as installments_min_payment_ratio,
        avg(amt_instalment) as installments_mean_amount_owed,
        max(amt_instalment) as installments_max_amount_owed,
        avg(amt_payment) as installments_mean_amount_paid,
        {{ count_where('amt_payment < amt_instalment') }} as installments_count_underpaid_payments,
        {{ share_where('amt_payment < amt_instalment') }} as installments_share_underpaid_payments,
        sum(amount_underpaid) as installments_sum_amount_underpaid,
        max(amount_underpaid) as installments_max_amount_underpaid,
        {{ count_where('is_missed') }} as installments_count_missed_payments,

        -- recency (days relative to the application, negative = before)
        max(days_entry_payment) as installments_max_days_entry_payment,
        min(days_instalment) as installments_min_days_instalment,

        -- last 12 months
        {{ count_where('is_last_12_months') }} as installments_count_payments_last_12_months,
        avg(days_late) filter (where is_last_12_months) as installments_mean_days_late_last_12_months,
        {{ safe_divide(
            count_where('is_last_12_months and days_late > 0'), count_where('is_last_12_months')
        ) }} as installments_share_late_payments_last_12_months,
        {{ safe_divide(
            'sum(amt_payment) filter (where is_last_12_months)', 'sum(amt_instalment) filter (where is_last_12_months)'
        ) }} as installments_paid_to_owed_ratio_last_12_months,
        {{ safe_divide(
            count_where('is_last_12_months and amt_payment < amt_instalment'), count_where('is_last_12_months')
        ) }} as installments_share_underpaid_payments_last_12_months
    from payments
    group by client_id
)

select * from aggregated
