-- One row per detector, metric and other metric: the share of the metric's events (real
-- runs) with an event of the other metric in the same layer within +/- `agreement_tolerance`
-- measurements, against the same share after shifting the other metric's events circularly
-- (the chance level). Far above chance: the two metrics see the same changes.
-- The sums over runs of int_metric_agreement_runs (macros/agreement.sql).

{{ agreement_pair_mart('metric', 'int_metric_agreement_runs') }}
