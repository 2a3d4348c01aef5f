-- One row per metric of the build: the totals of jump_characterization_summary.json
-- (step 1.2): jumps, runs with jumps, noise jumps, jumps per phase category and per jump type.

with jumps as (
    select * from {{ ref('jumps') }}
),

critical_periods as (
    select * from {{ ref('critical_periods') }}
),

build_info as (
    select * from {{ ref('build_info') }}
),

metrics as (
    -- Every metric of the build (critical_periods has a row per analysed run and metric).
    select distinct metric
    from critical_periods
),

jump_totals as (
    select
        metric,
        count(*) as total_jumps,
        count(distinct run_id) as experiments_with_jumps,
        count(*) filter (where is_numerical_noise) as noise_jumps,
        count(distinct jump_type) as n_clusters,
        count(*) filter (where phase_category = 'early') as early_jumps,
        count(*) filter (where phase_category = 'mid') as mid_jumps,
        count(*) filter (where phase_category = 'late') as late_jumps
    from jumps
    group by metric
),

jump_type_counts as (
    select
        metric,
        jump_type,
        count(*) as n_jumps
    from jumps
    where jump_type is not null
    group by metric, jump_type
),

cluster_sizes as (
    select
        metric,
        {{ ordered_list_by(
            struct_of([['jump_type', 'jump_type'], ['n_jumps', 'n_jumps']]),
            [['n_jumps', 'desc'], ['jump_type', 'asc']],
        ) }} as cluster_sizes
    from jump_type_counts
    group by metric
),

final as (
    select
        metrics.metric,
        coalesce(jump_totals.total_jumps, 0) as total_jumps,
        coalesce(jump_totals.experiments_with_jumps, 0) as experiments_with_jumps,
        coalesce(jump_totals.noise_jumps, 0) as noise_jumps,
        coalesce(jump_totals.n_clusters, 0) as n_clusters,
        coalesce(jump_totals.early_jumps, 0) as early_jumps,
        coalesce(jump_totals.mid_jumps, 0) as mid_jumps,
        coalesce(jump_totals.late_jumps, 0) as late_jumps,
        coalesce(cluster_sizes.cluster_sizes, {{ empty_list() }}) as cluster_sizes,
        build_info.build_id
    from metrics
    left join jump_totals on metrics.metric = jump_totals.metric
    left join cluster_sizes on metrics.metric = cluster_sizes.metric
    cross join build_info
)

select * from final
