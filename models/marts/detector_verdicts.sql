-- One row per detector, planted event kind and effect size: does the detector find such
-- events (chance-corrected recall) while staying quiet on realistic noise it was not tuned
-- on (the holdout null fixture)? The verdicts per effect size of detector_validity.

with detector_validity as (
    select * from {{ ref('detector_validity') }}
),

positives as (
    select * from detector_validity
    where fixture_kind = 'positive'
),

null_rates as (
    -- Noise the detector was not calibrated on: the holdout and the evaluation nulls.
    select
        detector,
        max(false_positives_per_1000) filter (where fixture_role = 'holdout')
            as holdout_false_positives_per_1000,
        max(false_positives_per_1000) as worst_null_false_positives_per_1000
    from detector_validity
    where fixture_kind = 'null' and null_kind is not null and fixture_role != 'calibration'
    group by detector
),

judged as (
    select
        positives.detector,
        positives.event_kind,
        positives.effect_size,
        positives.fixture,
        positives.n_planted,
        positives.recall,
        positives.chance_corrected_recall,
        null_rates.holdout_false_positives_per_1000,
        null_rates.worst_null_false_positives_per_1000,
        coalesce(
            positives.chance_corrected_recall >= {{ var('validity_min_recall') }}, false
        ) as is_found,
        null_rates.holdout_false_positives_per_1000
        <= {{ var('validity_max_false_positives_per_1000') }} as is_quiet
    from positives
    left join null_rates on positives.detector = null_rates.detector
),

worded as (
    select
        *,
        case
            when is_found and is_quiet then 'finds'
            when is_found then 'finds, but noisy'
            else 'misses'
        end as verdict,
        {{ verdict_statement() }} as verdict_statement
    from judged
)

select * from worded
