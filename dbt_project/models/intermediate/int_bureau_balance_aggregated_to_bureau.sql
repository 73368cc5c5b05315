-- One row per Credit Bureau credit that has monthly balance rows: months reported, late months by severity,
-- worst status and recency of the last late month. Single pass over bureau_balance.
with

bureau_balance as (
    select * from {{ ref('stg_bureau_balance') }}
),

aggregated as (
    select
        bureau_credit_id,
        count(*) as count_months,
        min(months_balance) as min_months_balance,
        max(months_balance) as max_months_balance,
        {{ count_where(is_late_status('status')) }} as count_late_months,
        {{ count_where("status = '1'") }} as count_months_late_1_to_30_days,
        {{ count_where("status = '2'") }} as count_months_late_31_to_60_days,
        {{ count_where("status = '3'") }} as count_months_late_61_to_90_days,
        {{ count_where("status = '4'") }} as count_months_late_91_to_120_days,
        {{ count_where("status = '5'") }} as count_months_late_over_120_days,
        {{ count_where("status = 'C'") }} as count_closed_months,
        {{ count_where("status = 'X'") }} as count_unknown_status_months,
        coalesce(max(case when {{ is_late_status('status') }} then cast(status as integer) end), 0)
            as worst_late_status,
        max(months_balance) filter (where {{ is_late_status('status') }}) as max_months_balance_late,
        {{ count_where(in_last_12_months_months('months_balance')) }} as count_months_last_12_months,
        {{ count_where(is_late_status('status') ~ ' and ' ~ in_last_12_months_months('months_balance')) }}
            as count_late_months_last_12_months
    from bureau_balance
    group by bureau_credit_id
)

select * from aggregated
