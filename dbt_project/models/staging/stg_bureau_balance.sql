with

source as (
    select * from {{ source('raw', 'bureau_balance') }}
),

cleaned as (
    select
        SK_ID_BUREAU as bureau_credit_id,
        MONTHS_BALANCE as months_balance,
        STATUS as status
    from source
)

select * from cleaned
