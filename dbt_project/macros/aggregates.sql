{# Aggregation building blocks shared by the intermediate models, so that every table counts shares,
   late statuses and the recent window the same way. #}

{# Share of rows meeting a condition (NULL condition counts as not met); NULL when there are no rows. #}
{% macro share_where(condition) -%}
    {%- set one, zero = share_where_values() -%}
    avg(case when {{ condition }} then {{ one }} else {{ zero }} end)
{%- endmacro %}

{# Number of rows meeting a condition. #}
{% macro count_where(condition) -%}
    count(*) filter (where {{ condition }})
{%- endmacro %}

{# bureau_balance.STATUS codes '1'..'5' are months with days past due (1-30, 31-60, 61-90, 91-120, 120+). #}
{% macro is_late_status(column) -%}
    {{ column }} in ('1', '2', '3', '4', '5')
{%- endmacro %}

{# The recent window is the last 12 months before the application: DAYS_* >= -365, MONTHS_BALANCE >= -12. #}
{% macro in_last_12_months_days(column) -%}
    {{ column }} >= -365
{%- endmacro %}

{% macro in_last_12_months_months(column) -%}
    {{ column }} >= -12
{%- endmacro %}
