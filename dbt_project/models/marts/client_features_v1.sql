-- client_features, version 1: one row per application client (train and test) with the application's own
-- columns (categories left as VARCHAR), the derived application features and the per-client aggregates of
-- the six history tables. Clients without rows in a history table get 0 in that table's *_count_* columns
-- and NULL in its other aggregates.
{%- set history_prefixes = ['bureau', 'previous', 'pos_cash', 'installments', 'credit_card'] %}
{#- the relations joined below, in join order (read by the Spark SQL of zero_filled_history, macros/engines.sql) #}
{%- set joined_relations = [ref('stg_applications'), ref('int_applications_enriched'), ref('int_bureau_aggregated_to_clients'),
                            ref('int_previous_applications_aggregated_to_clients'), ref('int_pos_cash_aggregated_to_clients'),
                            ref('int_installments_aggregated_to_clients'), ref('int_credit_card_aggregated_to_clients')] %}
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
        {{ star_except('enriched', ref('int_applications_enriched'), ['client_id']) }},
        {{ star_except('bureau', ref('int_bureau_aggregated_to_clients'), ['client_id']) }},
        {{ star_except('previous_applications', ref('int_previous_applications_aggregated_to_clients'), ['client_id']) }},
        {{ star_except('pos_cash', ref('int_pos_cash_aggregated_to_clients'), ['client_id']) }},
        {{ star_except('installments', ref('int_installments_aggregated_to_clients'), ['client_id']) }},
        {{ star_except('credit_cards', ref('int_credit_card_aggregated_to_clients'), ['client_id']) }}
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
    {{ zero_filled_history('joined', history_prefixes, joined_relations) }}
)

select * from zero_filled
