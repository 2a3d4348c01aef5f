-- One row per metric, architecture family, jump kind (real or numerical noise) and phase
-- bin (width chart_phase_bin_width, the last bin closed at 1): how many jumps fall in it.

with jumps as (
    select * from {{ ref('jumps') }}
),

binned as (
    select
        metric,
        arch_family,
        case when is_numerical_noise then 'numerical noise' else 'real' end as jump_kind,
        round(least(
            floor(phase / {{ double_literal(var('chart_phase_bin_width')) }}),
            round(1 / {{ double_literal(var('chart_phase_bin_width')) }}) - 1
        ) * {{ double_literal(var('chart_phase_bin_width')) }}, 6) as phase_start
    from jumps
),

final as (
    select
        metric,
        arch_family,
        jump_kind,
        phase_start,
        phase_start + {{ double_literal(var('chart_phase_bin_width')) }} as phase_end,
        count(*) as n_jumps
    from binned
    group by all
    order by all
)

select * from final
