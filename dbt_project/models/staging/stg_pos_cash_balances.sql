with

source as (
    select * from {{ source('raw', 'pos_cash_balance') }}
),

cleaned as (
    select
        SK_ID_PREV as previous_application_id,
        SK_ID_CURR as client_id,
        MONTHS_BALANCE as months_balance,
        CNT_INSTALMENT as cnt_instalment,
        CNT_INSTALMENT_FUTURE as cnt_instalment_future,
        {{ nullify_xna('NAME_CONTRACT_STATUS') }} as name_contract_status,
        SK_DPD as sk_dpd,
        SK_DPD_DEF as sk_dpd_def
    from source
)

select * from cleaned
