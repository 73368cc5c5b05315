{# Generic data test: no two rows share the same values of a set of columns (a composite primary key),
   e.g. (bureau_credit_id, months_balance) in bureau_balance. One GROUP BY; returns the duplicated keys. #}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
