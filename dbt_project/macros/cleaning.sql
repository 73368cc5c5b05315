{# Cleaning rules shared by the staging models (SCHEMA.md section 4):
   - 365243 in a DAYS_* column is a placeholder ("about 1000 years"), not a day count;
   - 'XNA' means "not available" and becomes NULL; 'XAP' ("not applicable") stays a real category. #}

{% macro nullify_days_sentinel(column) -%}
    nullif({{ column }}, 365243)
{%- endmacro %}

{% macro is_days_sentinel(column) -%}
    cast(coalesce({{ column }} = 365243, false) as integer)
{%- endmacro %}

{% macro nullify_xna(column) -%}
    nullif({{ column }}, 'XNA')
{%- endmacro %}
