-- Jumps that are floating-point noise against real jumps, per metric and family.
--
-- A jump is numerical noise when |v_i| / max(|x_i|, |x_i+1|) is below the var
-- noise_relative_magnitude (1e-9): a change at the last digits of the value, like the
-- ~1e-14 changes of stable_rank behind the report's 2,991 jumps.
--
-- One row per metric and family: counts, the share of noise, and the size of each kind.
--
-- Usage:
--   dbt show --select noise_vs_real_jumps --limit 20

with jumps as (
    select * from {{ ref('jumps') }}
),

final as (
    select
        metric,
        arch_family,
        count(*) as n_jumps,
        count(*) filter (where is_numerical_noise) as n_noise_jumps,
        count(*) filter (where not is_numerical_noise) as n_real_jumps,
        round(count(*) filter (where is_numerical_noise) / count(*), 3) as share_noise,
        count(distinct run_id) filter (where not is_numerical_noise) as n_runs_with_real_jumps,
        max(magnitude) filter (where is_numerical_noise) as max_noise_magnitude,
        median(magnitude) filter (where not is_numerical_noise) as median_real_magnitude,
        median(relative_magnitude) filter (where is_numerical_noise)
            as median_noise_relative_magnitude,
        median(relative_magnitude) filter (where not is_numerical_noise)
            as median_real_relative_magnitude
    from jumps
    group by metric, arch_family
)

select * from final
order by metric, arch_family
