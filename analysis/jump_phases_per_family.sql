-- When in training the jumps happen, per metric and architecture family.
--
-- One row per metric and family: jumps in the early (phase < 0.33), mid (< 0.67) and late
-- thirds of training, their shares, and the spread of the phase. The phase is the build's:
-- s_i / N in corrected mode, i / N in reference mode (see reference_vs_corrected_jumps for
-- both side by side). Jumps flagged as numerical noise are counted apart.
--
-- Usage:
--   dbt show --select jump_phases_per_family --limit 20
--   dbt show --select jump_phases_per_family --vars '{include_noise: false}'
-- `include_noise` (default true): false leaves out the jumps that are floating-point noise.

{%- set include_noise = var('include_noise', true) %}

with jumps as (
    select * from {{ ref('jumps') }}
    where not is_numerical_noise or {{ 'true' if include_noise else 'false' }}
),

by_family as (
    select
        metric,
        arch_family,
        count(*) as n_jumps,
        count(distinct run_id) as n_runs_with_jumps,
        count(*) filter (where phase_category = 'early') as n_early,
        count(*) filter (where phase_category = 'mid') as n_mid,
        count(*) filter (where phase_category = 'late') as n_late,
        count(*) filter (where is_numerical_noise) as n_noise,
        min(phase) as min_phase,
        quantile_cont(phase, 0.5) as median_phase,
        max(phase) as max_phase
    from jumps
    group by metric, arch_family
),

final as (
    select
        metric,
        arch_family,
        n_jumps,
        n_runs_with_jumps,
        n_early,
        n_mid,
        n_late,
        round(n_early / n_jumps, 3) as share_early,
        round(n_mid / n_jumps, 3) as share_mid,
        round(n_late / n_jumps, 3) as share_late,
        n_noise,
        min_phase,
        median_phase,
        max_phase
    from by_family
)

select * from final
order by metric, arch_family
