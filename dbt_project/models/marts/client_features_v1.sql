-- client_features, version 1: one row per application client (train and test) with the application's own
-- columns (categories left as VARCHAR), the derived application features and the per-client aggregates of
-- the six history tables. Clients without rows in a history table get 0 in that table's *_count_* columns
-- and NULL in its other aggregates.
{%- set history_prefixes = ['bureau', 'previous', 'pos_cash', 'installments', 'credit_card'] %}
with

applications as (
    select * from {{ ref('stg_applications') }}
),

enriched as (
    select * from {{ ref('int_applications_enriched') }}
),

bureau as (
    select * from {{ ref('int_bureau_aggregated_to_clients') }}
),

previous_applications as (
    select * from {{ ref('int_previous_applications_aggregated_to_clients') }}
),

pos_cash as (
    select * from {{ ref('int_pos_cash_aggregated_to_clients') }}
),

installments as (
    select * from {{ ref('int_installments_aggregated_to_clients') }}
),

credit_cards as (
    select * from {{ ref('int_credit_card_aggregated_to_clients') }}
),

joined as (
    select
        applications.*,
        enriched.* exclude (client_id),
        bureau.* exclude (client_id),
        previous_applications.* exclude (client_id),
        pos_cash.* exclude (client_id),
        installments.* exclude (client_id),
        credit_cards.* exclude (client_id)
    from applications
    left join enriched using (client_id)
    left join bureau using (client_id)
    left join previous_applications using (client_id)
    left join pos_cash using (client_id)
    left join installments using (client_id)
    left join credit_cards using (client_id)
),

zero_filled as (
    -- no row in a history table means zero of everything it counts; each table's block starts with its counts
    select
        columns(lambda c: not regexp_matches(c, '^({{ history_prefixes | join('|') }})_')),
        {%- for prefix in history_prefixes %}
        coalesce(columns('^{{ prefix }}_count_'), 0),
        columns(lambda c: regexp_matches(c, '^{{ prefix }}_') and not regexp_matches(c, '^{{ prefix }}_count_'))
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from joined
)

select * from zero_filled
