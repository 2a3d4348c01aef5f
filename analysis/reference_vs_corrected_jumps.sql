-- Reference against corrected jump phases, from one build (whatever its analysis_mode).
--
-- The two modes find the same jumps (the z-score test does not depend on the mode); they
-- differ in the phase. Reference divides the measurement index by the step count (i / N),
-- the report's mistake; corrected divides the training step (s_i / N). This query computes
-- both for every jump of the build and counts the early / mid / late thirds each way.
-- `build_phase_is` tells which of the two the build's own `jumps.phase` is.
--
-- One row per metric and architecture family.
--
-- Usage:
--   dbt show --select reference_vs_corrected_jumps --limit 20
-- To compare two real builds instead, build each mode into its own file and attach one:
--   dbt show --inline "attach 'reference.duckdb' as ref (read_only); ..." is not supported
--   by dbt show; open both files from Python (duckdb.connect(...).execute("attach ..."))
--   and join ref.main.jumps to main.jumps on (run_id, metric, layer, measurement_index).

with jumps as (
    select * from {{ ref('int_jumps') }}
    where not is_validity_fixture
),

runs as (
    select * from {{ ref('runs') }}
),

both_phases as (
    select
        jumps.metric,
        runs.arch_family,
        jumps.phase as build_phase,
        jumps.series_index / jumps.num_steps as reference_phase,
        jumps.step / jumps.num_steps as corrected_phase
    from jumps
    inner join runs on jumps.run_id = runs.run_id
),

categorized as (
    select
        *,
        case
            when reference_phase < 0.33 then 'early'
            when reference_phase < 0.67 then 'mid'
            else 'late'
        end as reference_category,
        case
            when corrected_phase < 0.33 then 'early'
            when corrected_phase < 0.67 then 'mid'
            else 'late'
        end as corrected_category
    from both_phases
),

final as (
    select
        metric,
        arch_family,
        count(*) as n_jumps,
        count(*) filter (where reference_category = 'early') as n_early_reference,
        count(*) filter (where reference_category = 'mid') as n_mid_reference,
        count(*) filter (where reference_category = 'late') as n_late_reference,
        count(*) filter (where corrected_category = 'early') as n_early_corrected,
        count(*) filter (where corrected_category = 'mid') as n_mid_corrected,
        count(*) filter (where corrected_category = 'late') as n_late_corrected,
        count(*) filter (where reference_category != corrected_category) as n_category_changed,
        max(reference_phase) as max_reference_phase,
        max(corrected_phase) as max_corrected_phase,
        case
            when bool_and(build_phase = corrected_phase) and bool_and(build_phase = reference_phase)
                then 'both'
            when bool_and(build_phase = corrected_phase) then 'corrected'
            when bool_and(build_phase = reference_phase) then 'reference'
            else 'neither'
        end as build_phase_is
    from categorized
    group by metric, arch_family
)

select * from final
order by metric, arch_family
