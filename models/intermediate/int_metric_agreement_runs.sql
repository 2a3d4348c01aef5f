{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_change_points') }}", on_schema_change=none
    ))
}}
-- Per real run, the counts metric_agreement sums: a detector's events of a metric, and those
-- within +/- `agreement_tolerance` measurements of the same detector's events of another
-- metric in the same layer, as they are and shifted circularly (macros/agreement.sql).
-- Incremental by run: only the runs whose version changed are recomputed.

{{ agreement_pair_counts_by_run('metric') }}
