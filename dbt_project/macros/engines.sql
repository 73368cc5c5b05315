{# Every SQL difference between the two engines the project runs on, DuckDB (target dev, the reference)
   and Apache Spark (target spark, also Databricks: dbt-databricks dispatches to spark__ macros).
   The models call the public macro; adapter.dispatch picks duckdb__<name> or spark__<name>. The duckdb__
   bodies are the SQL the models held before Spark was added, unchanged, so DuckDB builds are byte-identical.
   Each pair says why it exists. Columns are read from the catalog only when dbt executes (not at parse time),
   so `dbt parse --target spark_thrift` needs no cluster. #}


{# Why: DuckDB has UNION ALL BY NAME (application_test lacks TARGET, left NULL); Spark SQL only unions by
   position, so the Spark body lists the union of both relations' columns and selects NULL for the missing ones. #}
{% macro union_all_by_name(ctes, relations, added_columns=[]) -%}
    {{ return(adapter.dispatch('union_all_by_name', 'homecredit')(ctes, relations, added_columns)) }}
{%- endmacro %}

{% macro duckdb__union_all_by_name(ctes, relations, added_columns) -%}
    {%- for cte in ctes %}
    select * from {{ cte }}
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{% macro spark__union_all_by_name(ctes, relations, added_columns) -%}
    {%- if not execute -%}
        {{ return('select * from ' ~ ctes[0]) }}
    {%- endif -%}
    {%- set per_relation = [] -%}
    {%- set names = [] -%}
    {%- for relation in relations -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- do per_relation.append(columns + added_columns) -%}
        {%- for name in columns + added_columns if name not in names -%}{%- do names.append(name) -%}{%- endfor -%}
    {%- endfor -%}
    {%- for cte in ctes %}
    {%- set present = per_relation[loop.index0] %}
    select {% for name in names %}{{ name if name in present else 'null as ' ~ name }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{# Why: `alias.* exclude (...)` is DuckDB syntax; Spark before 4.x has no star exclusion at all, so the Spark
   body names the kept columns of the relation one by one (same order). #}
{% macro star_except(alias, relation, excluded) -%}
    {{ return(adapter.dispatch('star_except', 'homecredit')(alias, relation, excluded)) }}
{%- endmacro %}

{% macro duckdb__star_except(alias, relation, excluded) -%}
    {{ alias }}.* exclude ({{ excluded | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(alias, relation, excluded) -%}
    {%- if not execute -%}{{ return(alias ~ '.*') }}{%- endif -%}
    {%- set kept = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) if column.name not in excluded -%}
        {%- do kept.append(alias ~ '.' ~ column.name) -%}
    {%- endfor -%}
    {{ kept | join(',\n        ') }}
{%- endmacro %}


{# Why: client_features zero-fills the *_count_* columns of each history table. DuckDB selects them with
   COLUMNS(regex) and lambdas; Spark has no such star expressions, so the Spark body reads the joined
   relations' columns from the catalog and writes the same select list (same names, same order: the
   non-history columns, then per table its counts, zero-filled, then its other aggregates). #}
{% macro zero_filled_history(from_cte, history_prefixes, joined_relations) -%}
    {{ return(adapter.dispatch('zero_filled_history', 'homecredit')(from_cte, history_prefixes, joined_relations)) }}
{%- endmacro %}

{% macro duckdb__zero_filled_history(from_cte, history_prefixes, joined_relations) -%}
    select
        columns(lambda c: not regexp_matches(c, '^({{ history_prefixes | join('|') }})_')),
        {%- for prefix in history_prefixes %}
        coalesce(columns('^{{ prefix }}_count_'), 0),
        columns(lambda c: regexp_matches(c, '^{{ prefix }}_') and not regexp_matches(c, '^{{ prefix }}_count_'))
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ from_cte }}
{%- endmacro %}

{% macro spark__zero_filled_history(from_cte, history_prefixes, joined_relations) -%}
    {%- if not execute -%}{{ return('select * from ' ~ from_cte) }}{%- endif -%}
    {%- set names = [] -%}
    {%- for relation in joined_relations -%}
        {%- for column in adapter.get_columns_in_relation(relation) if column.name not in names -%}
            {%- do names.append(column.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set history = '^(' ~ history_prefixes | join('|') ~ ')_' -%}
    {%- set selected = [] -%}
    {%- for name in names if not modules.re.match(history, name) -%}{%- do selected.append(name) -%}{%- endfor -%}
    {%- for prefix in history_prefixes -%}
        {%- for name in names if modules.re.match('^' ~ prefix ~ '_count_', name) -%}
            {%- do selected.append('coalesce(' ~ name ~ ', 0) as ' ~ name) -%}
        {%- endfor -%}
        {%- for name in names if modules.re.match('^' ~ prefix ~ '_', name) and not modules.re.match('^' ~ prefix ~ '_count_', name) -%}
            {%- do selected.append(name) -%}
        {%- endfor -%}
    {%- endfor %}
    select
        {{ selected | join(',\n        ') }}
    from {{ from_cte }}
{%- endmacro %}


{# Why: a literal such as 1.0 or 365.25 is a DECIMAL in both engines, but DuckDB divides and averages
   decimals as DOUBLE while Spark keeps DECIMAL arithmetic (avg of DECIMAL(2,1) is DECIMAL(6,5): rounded to
   5 digits). The Spark bodies use DOUBLE literals (suffix D) so both engines compute in IEEE doubles. #}
{% macro share_where_values() -%}
    {{ return(adapter.dispatch('share_where_values', 'homecredit')()) }}
{%- endmacro %}

{% macro duckdb__share_where_values() -%}
    {{ return(('1.0', '0.0')) }}
{%- endmacro %}

{% macro spark__share_where_values() -%}
    {{ return(('1.0D', '0.0D')) }}
{%- endmacro %}

{% macro days_to_years(days) -%}
    {{ return(adapter.dispatch('days_to_years', 'homecredit')(days)) }}
{%- endmacro %}

{% macro duckdb__days_to_years(days) -%}
    {{ days }} / 365.25
{%- endmacro %}

{% macro spark__days_to_years(days) -%}
    {{ days }} / 365.25D
{%- endmacro %}


{# Why: row-wise statistics over a few columns, NULLs ignored (NULL when all are NULL). DuckDB has list_avg,
   list_min, list_max and list_stddev_pop; Spark has none of them, so its bodies fold the non-NULL values
   with aggregate(), in the same order and with the same arithmetic as DuckDB (a running sum divided by the
   count for the mean; Welford's update for the population standard deviation, 0 for a single value), which
   gives the same doubles, not merely close ones. #}
{% macro mean_of(columns) -%}
    {{ return(adapter.dispatch('mean_of', 'homecredit')(columns)) }}
{%- endmacro %}

{% macro duckdb__mean_of(columns) -%}
    list_avg([{{ columns | join(', ') }}])
{%- endmacro %}

{% macro spark__mean_of(columns) -%}
    aggregate(filter(array({{ columns | join(', ') }}), x -> x is not null), named_struct('n', 0L, 'total', 0D),
              (s, x) -> named_struct('n', s.n + 1, 'total', s.total + x),
              s -> case when s.n > 0 then s.total / s.n end)
{%- endmacro %}

{% macro min_of(columns) -%}
    {{ return(adapter.dispatch('min_of', 'homecredit')(columns)) }}
{%- endmacro %}

{% macro duckdb__min_of(columns) -%}
    list_min([{{ columns | join(', ') }}])
{%- endmacro %}

{% macro spark__min_of(columns) -%}
    array_min(array({{ columns | join(', ') }}))
{%- endmacro %}

{% macro max_of(columns) -%}
    {{ return(adapter.dispatch('max_of', 'homecredit')(columns)) }}
{%- endmacro %}

{% macro duckdb__max_of(columns) -%}
    list_max([{{ columns | join(', ') }}])
{%- endmacro %}

{% macro spark__max_of(columns) -%}
    array_max(array({{ columns | join(', ') }}))
{%- endmacro %}

{% macro stddev_pop_of(columns) -%}
    {{ return(adapter.dispatch('stddev_pop_of', 'homecredit')(columns)) }}
{%- endmacro %}

{% macro duckdb__stddev_pop_of(columns) -%}
    list_stddev_pop([{{ columns | join(', ') }}])
{%- endmacro %}

{% macro spark__stddev_pop_of(columns) -%}
    aggregate(filter(array({{ columns | join(', ') }}), x -> x is not null),
              named_struct('n', 0L, 'mean', 0D, 'm2', 0D),
              (s, x) -> named_struct('n', s.n + 1,
                                     'mean', s.mean + (x - s.mean) / (s.n + 1),
                                     'm2', s.m2 + (x - (s.mean + (x - s.mean) / (s.n + 1))) * (x - s.mean)),
              s -> case when s.n > 1 then sqrt(s.m2 / s.n) when s.n = 1 then 0D end)
{%- endmacro %}
