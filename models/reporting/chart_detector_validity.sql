-- One row per detector and fixture: how well the detector recovers the events planted in
-- the fixture (and how many it reports on the null fixtures, which have none), beside the
-- thresholds a detector must meet on every fixture to be valid.

with detector_validity as (
    select * from {{ ref('detector_validity') }}
),

final as (
    select
        detector,
        fixture,
        fixture_kind,
        n_planted,
        n_detected,
        recall,
        chance_corrected_recall,
        false_positives,
        false_positives_per_1000,
        is_passed,
        verdict,
        {{ double_literal(var('validity_min_recall')) }} as min_recall,
        {{ var('validity_max_false_positives_per_1000') }} as max_false_positives_per_1000
    from detector_validity
    order by detector, fixture
)

select * from final
