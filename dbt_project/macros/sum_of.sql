{# Row-wise helpers over a list of columns: the sum of 0/1 flags and the number of NULL values. #}

{% macro sum_of(columns) -%}
    ({% for column in columns %}{{ column }}{% if not loop.last %} + {% endif %}{% endfor %})
{%- endmacro %}

{% macro count_missing(columns) -%}
    ({% for column in columns %}cast({{ column }} is null as integer){% if not loop.last %} + {% endif %}{% endfor %})
{%- endmacro %}
