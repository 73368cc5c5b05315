with

source as (
    select * from {{ source('raw', 'credit_card_balance') }}
),

cleaned as (
    select
        SK_ID_PREV as previous_application_id,
        SK_ID_CURR as client_id,
        MONTHS_BALANCE as months_balance,
        AMT_BALANCE as amt_balance,
        AMT_CREDIT_LIMIT_ACTUAL as amt_credit_limit_actual,
        AMT_DRAWINGS_ATM_CURRENT as amt_drawings_atm_current,
        AMT_DRAWINGS_CURRENT as amt_drawings_current,
        AMT_DRAWINGS_OTHER_CURRENT as amt_drawings_other_current,
        AMT_DRAWINGS_POS_CURRENT as amt_drawings_pos_current,
        AMT_INST_MIN_REGULARITY as amt_inst_min_regularity,
        AMT_PAYMENT_CURRENT as amt_payment_current,
        AMT_PAYMENT_TOTAL_CURRENT as amt_payment_total_current,
        AMT_RECEIVABLE_PRINCIPAL as amt_receivable_principal,
        AMT_RECIVABLE as amt_receivable,
        AMT_TOTAL_RECEIVABLE as amt_total_receivable,
        CNT_DRAWINGS_ATM_CURRENT as cnt_drawings_atm_current,
        CNT_DRAWINGS_CURRENT as cnt_drawings_current,
        CNT_DRAWINGS_OTHER_CURRENT as cnt_drawings_other_current,
        CNT_DRAWINGS_POS_CURRENT as cnt_drawings_pos_current,
        CNT_INSTALMENT_MATURE_CUM as cnt_instalment_mature_cum,
        NAME_CONTRACT_STATUS as name_contract_status,
        SK_DPD as sk_dpd,
        SK_DPD_DEF as sk_dpd_def
    from source
)

select * from cleaned
