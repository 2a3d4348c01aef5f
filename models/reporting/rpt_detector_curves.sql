-- One row per point of the validity page's curves: recall against effect size (per
-- detector and event kind) and the ROC over each detector's threshold (per step size),
-- with the verdict thresholds the page draws.

with detector_validity as (
    select * from {{ ref('detector_validity') }}
),

detector_roc as (
    select * from {{ ref('detector_roc') }}
),

recall_curves as (
    select
        'recall_by_effect_size' as curve,
        detector,
        event_kind,
        effect_size,
        {{ as_double('null') }} as threshold,
        {{ as_double('effect_size') }} as x,
        chance_corrected_recall as y
    from detector_validity
    where fixture_kind = 'positive'
),

roc_curves as (
    select
        'roc' as curve,
        detector,
        'step' as event_kind,
        effect_size,
        threshold,
        holdout_false_positives_per_1000 as x,
        recall as y
    from detector_roc
),

curves as (
    select * from recall_curves
    union all
    select * from roc_curves
),

with_thresholds as (
    select
        *,
        {{ as_double(var('validity_min_recall')) }} as min_recall,
        {{ as_double(var('validity_max_false_positives_per_1000')) }} as max_false_positives_per_1000
    from curves
)

select * from with_thresholds
