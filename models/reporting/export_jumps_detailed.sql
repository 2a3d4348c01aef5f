-- One row per jump: all_jumps_detailed.csv (step 1.2), the report's columns first (`step` is
-- the training step, `experiment` the run id, `cluster` the jump type), then `metric` and
-- every other column of the jumps mart, then the build it comes from.

with jumps as (
    select * from {{ ref('jumps') }}
),

runs as (
    select * from {{ ref('runs') }}
),

build_info as (
    select * from {{ ref('build_info') }}
),

final as (
    select
        jumps.step,
        jumps.magnitude,
        jumps.speed,
        jumps.direction,
        jumps.phase,
        jumps.layer,
        jumps.run_id as experiment,
        runs.arch_name,
        runs.dataset,
        jumps.phase_category,
        jumps.jump_type as cluster,  -- noqa: RF04
        jumps.metric,
        -- Every other column of the mart (bare names are the mart's columns).
        {{ star_except(
            [
                'run_id', 'metric', 'layer', 'step', 'magnitude', 'speed', 'direction', 'phase',
                'phase_category', 'jump_type',
            ],
            'jumps',
        ) }},
        build_info.build_id
    from jumps
    inner join runs on jumps.run_id = runs.run_id
    cross join build_info
)

select * from final
