{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_change_points') }}", on_schema_change=none
    ))
}}
-- Per real run, the counts detector_agreement sums: a metric's events by a detector, and
-- those within +/- `agreement_tolerance` measurements of another detector's events of the
-- same metric and layer, as they are and shifted circularly (macros/agreement.sql).
-- Incremental by run: only the runs whose version changed are recomputed.

{{ agreement_pair_counts_by_run('detector') }}
