with

source as (
    select * from {{ source('raw', 'installments_payments') }}
),

cleaned as (
    select
        SK_ID_PREV as previous_application_id,
        SK_ID_CURR as client_id,
        NUM_INSTALMENT_VERSION as num_instalment_version,
        NUM_INSTALMENT_NUMBER as num_instalment_number,
        DAYS_INSTALMENT as days_instalment,
        DAYS_ENTRY_PAYMENT as days_entry_payment,
        AMT_INSTALMENT as amt_instalment,
        AMT_PAYMENT as amt_payment
    from source
)

select * from cleaned
