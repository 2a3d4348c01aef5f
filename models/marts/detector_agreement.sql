-- One row per metric, detector and other detector: the share of the detector's events (real
-- runs) with an event of the other detector in the same layer series within +/-
-- `agreement_tolerance` measurements, against the same share after shifting the other
-- detector's events circularly (the chance level).
-- The sums over runs of int_detector_agreement_runs (macros/agreement.sql).

{{ agreement_pair_mart('detector', 'int_detector_agreement_runs') }}
