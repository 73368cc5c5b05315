with

source as (
    select * from {{ source('raw', 'previous_application') }}
),

cleaned as (
    select
        SK_ID_PREV as previous_application_id,
        SK_ID_CURR as client_id,
        {{ nullify_xna('NAME_CONTRACT_TYPE') }} as name_contract_type,
        AMT_ANNUITY as amt_annuity,
        AMT_APPLICATION as amt_application,
        AMT_CREDIT as amt_credit,
        AMT_DOWN_PAYMENT as amt_down_payment,
        AMT_GOODS_PRICE as amt_goods_price,
        WEEKDAY_APPR_PROCESS_START as weekday_appr_process_start,
        HOUR_APPR_PROCESS_START as hour_appr_process_start,
        FLAG_LAST_APPL_PER_CONTRACT as flag_last_appl_per_contract,
        NFLAG_LAST_APPL_IN_DAY as nflag_last_appl_in_day,
        RATE_DOWN_PAYMENT as rate_down_payment,
        RATE_INTEREST_PRIMARY as rate_interest_primary,
        RATE_INTEREST_PRIVILEGED as rate_interest_privileged,
        {{ nullify_xna('NAME_CASH_LOAN_PURPOSE') }} as name_cash_loan_purpose,
        NAME_CONTRACT_STATUS as name_contract_status,
        DAYS_DECISION as days_decision,
        {{ nullify_xna('NAME_PAYMENT_TYPE') }} as name_payment_type,
        {{ nullify_xna('CODE_REJECT_REASON') }} as code_reject_reason,
        NAME_TYPE_SUITE as name_type_suite,
        {{ nullify_xna('NAME_CLIENT_TYPE') }} as name_client_type,
        {{ nullify_xna('NAME_GOODS_CATEGORY') }} as name_goods_category,
        {{ nullify_xna('NAME_PORTFOLIO') }} as name_portfolio,
        {{ nullify_xna('NAME_PRODUCT_TYPE') }} as name_product_type,
        CHANNEL_TYPE as channel_type,
        SELLERPLACE_AREA as sellerplace_area,
        {{ nullify_xna('NAME_SELLER_INDUSTRY') }} as name_seller_industry,
        CNT_PAYMENT as cnt_payment,
        {{ nullify_xna('NAME_YIELD_GROUP') }} as name_yield_group,
        PRODUCT_COMBINATION as product_combination,
        {{ nullify_days_sentinel('DAYS_FIRST_DRAWING') }} as days_first_drawing,
        {{ nullify_days_sentinel('DAYS_FIRST_DUE') }} as days_first_due,
        {{ nullify_days_sentinel('DAYS_LAST_DUE_1ST_VERSION') }} as days_last_due_1st_version,
        {{ nullify_days_sentinel('DAYS_LAST_DUE') }} as days_last_due,
        {{ is_days_sentinel('DAYS_LAST_DUE') }} as flag_last_due_pending,
        {{ nullify_days_sentinel('DAYS_TERMINATION') }} as days_termination,
        NFLAG_INSURED_ON_APPROVAL as nflag_insured_on_approval
    from source
)

select * from cleaned
