-- One row per client with POS / cash loan monthly snapshots: days past due, completion, installments left,
-- recency and the last-12-months window. Aggregated by client (some SK_ID_PREV are missing from
-- previous_application, SCHEMA.md section 1).
with

pos_cash as (
    select * from {{ ref('stg_pos_cash_balances') }}
),

months as (
    select
        *,
        {{ in_last_12_months_months('months_balance') }} as is_last_12_months,
        1 - {{ safe_divide('cnt_instalment_future', 'cnt_instalment') }} as completion_ratio
    from pos_cash
),

aggregated as (
    select
        client_id,
        count(*) as pos_cash_count_months,
        count(distinct previous_application_id) as pos_cash_count_loans,
        count(distinct previous_application_id) filter (where name_contract_status = 'Completed')
            as pos_cash_count_completed_loans,
        {{ safe_divide(
            "count(distinct previous_application_id) filter (where name_contract_status = 'Completed')",
            'count(distinct previous_application_id)'
        ) }} as pos_cash_share_completed_loans,
        min(months_balance) as pos_cash_min_months_balance,
        max(months_balance) as pos_cash_max_months_balance,

        -- days past due
        max(sk_dpd) as pos_cash_max_days_past_due,
        avg(sk_dpd) as pos_cash_mean_days_past_due,
        max(sk_dpd_def) as pos_cash_max_days_past_due_with_tolerance,
        avg(sk_dpd_def) as pos_cash_mean_days_past_due_with_tolerance,
        {{ count_where('sk_dpd > 0') }} as pos_cash_count_months_past_due,
        {{ share_where('sk_dpd > 0') }} as pos_cash_share_months_past_due,
        {{ count_where('sk_dpd_def > 0') }} as pos_cash_count_months_past_due_with_tolerance,

        -- terms and completion
        avg(cnt_instalment) as pos_cash_mean_term_in_installments,
        max(cnt_instalment) as pos_cash_max_term_in_installments,
        avg(cnt_instalment_future) as pos_cash_mean_installments_left,
        avg(completion_ratio) as pos_cash_mean_completion_ratio,
        sum(cnt_instalment_future) filter (where months_balance = -1) as pos_cash_sum_installments_left_last_month,
        {{ count_where("months_balance = -1 and name_contract_status = 'Active'") }}
            as pos_cash_count_active_loans_last_month,

        -- last 12 months
        {{ count_where('is_last_12_months') }} as pos_cash_count_months_last_12_months,
        max(sk_dpd) filter (where is_last_12_months) as pos_cash_max_days_past_due_last_12_months,
        {{ count_where('is_last_12_months and sk_dpd > 0') }} as pos_cash_count_months_past_due_last_12_months,
        avg(completion_ratio) filter (where is_last_12_months) as pos_cash_mean_completion_ratio_last_12_months
    from months
    group by client_id
)

select * from aggregated
