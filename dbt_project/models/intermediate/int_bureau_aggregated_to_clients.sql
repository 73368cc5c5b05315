-- One row per client with Credit Bureau credits: active vs closed credits, amounts, debt and overdue ratios,
-- late months by severity (from the monthly balances), recency and the last-12-months window.
with

bureau as (
    select * from {{ ref('stg_bureau') }}
),

balances as (
    select * from {{ ref('int_bureau_balance_aggregated_to_bureau') }}
),

credits as (
    select
        bureau.*,
        bureau.credit_active = 'Active' as is_active,
        bureau.credit_active = 'Closed' as is_closed,
        balances.bureau_credit_id is not null as has_balance_history,
        balances.count_months,
        balances.count_late_months,
        balances.count_months_late_1_to_30_days,
        balances.count_months_late_31_to_60_days,
        balances.count_months_late_61_to_90_days,
        balances.count_months_late_91_to_120_days,
        balances.count_months_late_over_120_days,
        balances.worst_late_status,
        balances.max_months_balance_late,
        balances.count_late_months_last_12_months
    from bureau
    left join balances using (bureau_credit_id)
),

aggregated as (
    select
        client_id,

        -- credits by status and type
        count(*) as bureau_count_credits,
        {{ count_where('is_active') }} as bureau_count_active_credits,
        {{ count_where('is_closed') }} as bureau_count_closed_credits,
        {{ count_where("credit_active in ('Sold', 'Bad debt')") }} as bureau_count_sold_or_bad_debt_credits,
        {{ share_where('is_active') }} as bureau_share_active_credits,
        count(distinct credit_type) as bureau_count_credit_types,
        {{ count_where("credit_type = 'Consumer credit'") }} as bureau_count_consumer_credits,
        {{ count_where("credit_type = 'Credit card'") }} as bureau_count_credit_cards,
        {{ count_where("credit_type = 'Car loan'") }} as bureau_count_car_loans,
        {{ count_where("credit_type = 'Mortgage'") }} as bureau_count_mortgages,
        {{ count_where("credit_type = 'Microloan'") }} as bureau_count_microloans,
        {{ count_where("credit_currency <> 'currency 1'") }} as bureau_count_foreign_currency_credits,

        -- recency and duration (days relative to the application, negative = before)
        max(days_credit) as bureau_max_days_credit,
        min(days_credit) as bureau_min_days_credit,
        avg(days_credit) as bureau_mean_days_credit,
        max(days_credit_update) as bureau_max_days_credit_update,
        avg(days_credit_enddate) as bureau_mean_days_credit_enddate,
        max(days_credit_enddate) as bureau_max_days_credit_enddate,
        max(days_enddate_fact) as bureau_max_days_enddate_fact,
        avg(days_enddate_fact - days_credit) as bureau_mean_days_closed_credit_duration,

        -- amounts, debt and overdue
        sum(amt_credit_sum) as bureau_sum_credit_amount,
        avg(amt_credit_sum) as bureau_mean_credit_amount,
        max(amt_credit_sum) as bureau_max_credit_amount,
        sum(amt_credit_sum_debt) as bureau_sum_debt_amount,
        avg(amt_credit_sum_debt) as bureau_mean_debt_amount,
        max(amt_credit_sum_debt) as bureau_max_debt_amount,
        sum(amt_credit_sum_limit) as bureau_sum_credit_limit,
        sum(amt_credit_sum_overdue) as bureau_sum_overdue_amount,
        max(amt_credit_max_overdue) as bureau_max_amount_overdue_ever,
        avg(amt_credit_max_overdue) as bureau_mean_amount_overdue_ever,
        max(credit_day_overdue) as bureau_max_days_overdue,
        avg(credit_day_overdue) as bureau_mean_days_overdue,
        {{ count_where('credit_day_overdue > 0') }} as bureau_count_credits_overdue,
        sum(cnt_credit_prolong) as bureau_sum_credit_prolongations,
        sum(amt_annuity) as bureau_sum_annuity_amount,
        avg(amt_annuity) as bureau_mean_annuity_amount,
        {{ safe_divide('sum(amt_credit_sum_debt)', 'sum(amt_credit_sum)') }} as bureau_debt_to_credit_ratio,
        {{ safe_divide('sum(amt_credit_sum_overdue)', 'sum(amt_credit_sum_debt)') }} as bureau_overdue_to_debt_ratio,
        {{ safe_divide('sum(amt_credit_sum_limit)', 'sum(amt_credit_sum)') }} as bureau_limit_to_credit_ratio,

        -- active credits
        sum(amt_credit_sum) filter (where is_active) as bureau_sum_active_credit_amount,
        sum(amt_credit_sum_debt) filter (where is_active) as bureau_sum_active_debt_amount,
        sum(amt_credit_sum_overdue) filter (where is_active) as bureau_sum_active_overdue_amount,
        sum(amt_annuity) filter (where is_active) as bureau_sum_active_annuity_amount,
        {{ safe_divide('sum(amt_credit_sum_debt) filter (where is_active)', 'sum(amt_credit_sum) filter (where is_active)') }}
            as bureau_active_debt_to_credit_ratio,
        avg(days_credit) filter (where is_active) as bureau_mean_active_days_credit,
        max(days_credit_enddate) filter (where is_active) as bureau_max_active_days_credit_enddate,
        {{ count_where('is_active and credit_day_overdue > 0') }} as bureau_count_active_credits_overdue,

        -- closed credits
        sum(amt_credit_sum) filter (where is_closed) as bureau_sum_closed_credit_amount,
        avg(days_credit) filter (where is_closed) as bureau_mean_closed_days_credit,
        max(days_enddate_fact) filter (where is_closed) as bureau_max_closed_days_enddate_fact,

        -- last 12 months
        {{ count_where(in_last_12_months_days('days_credit')) }} as bureau_count_credits_last_12_months,
        sum(amt_credit_sum) filter (where {{ in_last_12_months_days('days_credit') }})
            as bureau_sum_credit_amount_last_12_months,

        -- monthly balances: late months by severity
        {{ count_where('has_balance_history') }} as bureau_count_credits_with_balance_history,
        sum(count_months) as bureau_sum_balance_months,
        sum(count_late_months) as bureau_sum_late_months,
        sum(count_months_late_1_to_30_days) as bureau_sum_months_late_1_to_30_days,
        sum(count_months_late_31_to_60_days) as bureau_sum_months_late_31_to_60_days,
        sum(count_months_late_61_to_90_days) as bureau_sum_months_late_61_to_90_days,
        sum(count_months_late_91_to_120_days) as bureau_sum_months_late_91_to_120_days,
        sum(count_months_late_over_120_days) as bureau_sum_months_late_over_120_days,
        {{ safe_divide('sum(count_late_months)', 'sum(count_months)') }} as bureau_share_late_months,
        max(worst_late_status) as bureau_max_worst_late_status,
        {{ count_where('count_late_months > 0') }} as bureau_count_credits_ever_late,
        max(max_months_balance_late) as bureau_max_months_balance_late,
        sum(count_late_months_last_12_months) as bureau_sum_late_months_last_12_months
    from credits
    group by client_id
)

select * from aggregated
