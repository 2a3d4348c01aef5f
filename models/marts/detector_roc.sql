-- One row per detector, threshold and planted step size: recall on the step fixture of that
-- size against false positives per 1,000 on the holdout realistic null, as the detector's
-- threshold moves (z for the z-scores, the percentile for P90, the penalty for change
-- points). After the early transient, with the harness's tolerance.

{%- set tolerance = var('validity_tolerance') | int %}
{%- set per_1000 = double_literal('1000.0') %}

with scores as (
    select * from {{ ref('int_validity_scores') }}
),

change_point_grid as (
    select * from {{ ref('int_change_point_grid') }}
),

planted_events as (
    select * from {{ ref('validity_planted_events') }}
),

opportunities as (
    select * from {{ ref('int_validity_opportunities') }}
),

thresholds as (
    select
        detector_thresholds.detector,
        detector_thresholds.threshold
    from (
        values
        ('jump_z_score', 1.0), ('jump_z_score', 1.5), ('jump_z_score', 2.0),
        ('jump_z_score', 2.5), ('jump_z_score', 3.0), ('jump_z_score', 4.0),
        ('jump_z_score', 5.0), ('jump_z_score', 6.0), ('jump_z_score', 8.0),
        ('robust_jump_z', 2.0), ('robust_jump_z', 3.0), ('robust_jump_z', 4.0),
        ('robust_jump_z', 5.0), ('robust_jump_z', 6.0), ('robust_jump_z', 8.0),
        ('robust_jump_z', 10.0), ('robust_jump_z', 15.0), ('robust_jump_z', 20.0),
        ('critical_p90', 0.5), ('critical_p90', 0.75), ('critical_p90', 0.9),
        ('critical_p90', 0.95), ('critical_p90', 0.98), ('critical_p90', 0.99)
    ) as detector_thresholds (detector, threshold)
),

step_fixtures as (
    select distinct
        run_id,
        effect_size
    from planted_events
    where event_kind = 'step'
),

holdout as (
    select distinct run_id from planted_events
    where fixture_role = 'holdout'
),

detections as (
    -- Where each detector fires at each threshold, on the step and holdout fixtures.
    select
        thresholds.detector,
        thresholds.threshold,
        scores.run_id,
        scores.layer,
        scores.measurement_index
    from scores
    inner join thresholds
        on scores.detector = thresholds.detector and scores.score > thresholds.threshold
    union all
    select
        'change_point' as detector,
        penalty as threshold,
        run_id,
        layer,
        measurement_index
    from change_point_grid
    where measurement_index >= {{ var('validity_warmup_measurements') | int }}
),

all_thresholds as (
    select distinct
        detector,
        threshold
    from thresholds
    union
    select distinct
        'change_point' as detector,
        penalty as threshold
    from change_point_grid
),

planted_steps as (
    select
        all_thresholds.detector,
        all_thresholds.threshold,
        step_fixtures.effect_size,
        planted_events.run_id,
        planted_events.layer,
        planted_events.measurement_index
    from planted_events
    inner join step_fixtures on planted_events.run_id = step_fixtures.run_id
    cross join all_thresholds
),

{{ roc_recall(tolerance) }},

null_rates as (
    select
        all_thresholds.detector,
        all_thresholds.threshold,
        {{ per_1000 }} * count(detections.run_id) / any_value(opportunities.n_layer_measurements)
            as holdout_false_positives_per_1000
    from all_thresholds
    cross join holdout
    inner join opportunities on holdout.run_id = opportunities.run_id
    left join detections
        on
            all_thresholds.detector = detections.detector
            and all_thresholds.threshold = detections.threshold
            and holdout.run_id = detections.run_id
    group by all_thresholds.detector, all_thresholds.threshold
),

final as (
    select
        recall.detector,
        recall.threshold,
        recall.effect_size,
        recall.n_planted,
        recall.recall,
        null_rates.holdout_false_positives_per_1000
    from recall
    inner join null_rates
        on recall.detector = null_rates.detector and recall.threshold = null_rates.threshold
)

select * from final
