-- The marts hold exactly one row per application: as many rows as application_train + application_test.
-- Returns a row (and fails the build) when a mart gained or lost clients on the way.
with

applications as (
    select
        (select count(*) from {{ source('raw', 'application_train') }})
        + (select count(*) from {{ source('raw', 'application_test') }}) as row_count
),

marts as (
    select 'client_features' as mart, count(*) as row_count from {{ ref('client_features') }}
    union all
    select 'client_profiles' as mart, count(*) as row_count from {{ ref('client_profiles') }}
)

select
    marts.mart,
    marts.row_count as mart_rows,
    applications.row_count as application_rows
from marts
cross join applications
where marts.row_count <> applications.row_count
