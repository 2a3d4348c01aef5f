-- One row per validity fixture: where a detector could fire on it (the `validity_metric`),
-- after the early transient (the first `validity_warmup_measurements`).

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

opportunities as (
    select
        run_id,
        count(distinct layer) as n_layers,
        count(distinct measurement_index) as n_measurements,
        count(*) as n_layer_measurements
    from layer_series
    where
        is_validity_fixture
        and metric = {{ string_literal(var('validity_metric')) }}
        and measurement_index >= {{ var('validity_warmup_measurements') | int }}
    group by run_id
)

select * from opportunities
