{# Ratio that is NULL (not inf or NaN) when the denominator is 0 or NULL: DuckDB 2 returns inf for x / 0. #}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }}) / nullif({{ denominator }}, 0))
{%- endmacro %}
