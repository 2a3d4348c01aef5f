-- One row per change point of a real run's layer series (PELT on the velocity, the penalty
-- calibrated on the null validity fixtures): run, metric, layer, where and how large.

with change_points as (
    select * from {{ ref('int_change_points') }}
),

real_runs as (
    select
        run_id,
        metric,
        layer,
        measurement_index,
        step,
        size,
        penalty
    from change_points
    -- Drop the per-run bookkeeping rows (no metric).
    where not is_validity_fixture and measurement_index is not null
)

select * from real_runs
