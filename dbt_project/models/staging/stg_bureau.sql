with

source as (
    select * from {{ source('raw', 'bureau') }}
),

cleaned as (
    select
        SK_ID_CURR as client_id,
        SK_ID_BUREAU as bureau_credit_id,
        CREDIT_ACTIVE as credit_active,
        CREDIT_CURRENCY as credit_currency,
        DAYS_CREDIT as days_credit,
        CREDIT_DAY_OVERDUE as credit_day_overdue,
        DAYS_CREDIT_ENDDATE as days_credit_enddate,
        DAYS_ENDDATE_FACT as days_enddate_fact,
        AMT_CREDIT_MAX_OVERDUE as amt_credit_max_overdue,
        CNT_CREDIT_PROLONG as cnt_credit_prolong,
        AMT_CREDIT_SUM as amt_credit_sum,
        AMT_CREDIT_SUM_DEBT as amt_credit_sum_debt,
        AMT_CREDIT_SUM_LIMIT as amt_credit_sum_limit,
        AMT_CREDIT_SUM_OVERDUE as amt_credit_sum_overdue,
        CREDIT_TYPE as credit_type,
        DAYS_CREDIT_UPDATE as days_credit_update,
        AMT_ANNUITY as amt_annuity
    from source
)

select * from cleaned
