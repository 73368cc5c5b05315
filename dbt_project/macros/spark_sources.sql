{# on-run-start hook of the spark target: registers the raw tables exported as Parquet by
   `python -m warehouse.load --parquet DIR` (one folder per table, DIR/<table>/) as external Spark tables
   raw.<table>, so that `dbt build --target spark` finds its sources on a laptop or in CI. It does nothing on
   DuckDB, and nothing when HC_SPARK_RAW_DIR is unset: on a cluster the sources are already tables of the
   lakehouse's catalog (schema raw). A table is dropped and re-created so that it always points at DIR
   (dropping an external table leaves its files alone). #}
{% macro register_parquet_sources() %}
    {%- set raw_dir = env_var('HC_SPARK_RAW_DIR', '') -%}
    {%- if execute and target.type == 'spark' and raw_dir -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
            {%- do run_query('drop table if exists raw.' ~ node.identifier) -%}
            {%- do run_query("create table raw." ~ node.identifier ~ " using parquet location '"
                             ~ raw_dir.rstrip('/') ~ "/" ~ node.identifier ~ "'") -%}
        {%- endfor -%}
        {%- do log('registered the Parquet raw tables of ' ~ raw_dir ~ ' as Spark tables raw.*', info=true) -%}
    {%- endif -%}
{% endmacro %}
