{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_loss_change_points') }}", on_schema_change=none
    ))
}}
-- Per real run, the counts loss_agreement sums: a detector's layer events of a metric, and
-- those within +/- `agreement_tolerance` measurements of a change point of the run's loss
-- curve, as they are and with the loss change points shifted circularly. Incremental by run.

{%- set tolerance = var('agreement_tolerance') | int %}

-- The versions are those of the loss change points (which fold in the run's change points).
with {{ agreement_changed_runs(ref('int_loss_change_points'), 'measurement_index is null') }},

loss_change_points as (
    select loss_points.*
    from {{ ref('int_loss_change_points') }} as loss_points
    semi join changed_runs on loss_points.run_id = changed_runs.run_id
    where loss_points.measurement_index is not null
),

shifts as (
    {{ agreement_shifts() }}
),

shifted_loss_change_points as (
    -- The loss change points shifted circularly by a share of the series.
    select
        loss_change_points.run_id,
        shifts.shift_fraction,
        (
            loss_change_points.series_index
            + cast(round(shifts.shift_fraction * loss_change_points.n_velocities) as integer)
        )
        % loss_change_points.n_velocities as series_index
    from loss_change_points
    cross join shifts
),

probes as (
    -- Every event and the index up to which a loss change point can lie within tolerance.
    select
        events.run_id,
        events.detector,
        events.metric,
        events.series_index,
        events.series_index + {{ tolerance }} as probe_index
    from events
),

-- An event coincides with a loss change point when one lies within tolerance: the nearest
-- one at or below its index plus the tolerance (an as-of join, one row per event) is at or
-- above its index minus the tolerance.
nearest_loss_change_points as (
    {{ nearest_at_or_below_join(
        'probes', 'loss_change_points', ['run_id'], 'probe_index', 'series_index'
    ) }}
),

observed as (
    select
        run_id,
        detector,
        metric,
        count(*) as n_events,
        count(*) filter (
            where nearest_index >= series_index - {{ tolerance }}
        ) as n_coinciding
    from nearest_loss_change_points
    group by run_id, detector, metric
),

shifted_probes as (
    select
        probes.*,
        shifts.shift_fraction
    from probes
    cross join shifts
),

nearest_shifted_loss_change_points as (
    {{ nearest_at_or_below_join(
        'shifted_probes', 'shifted_loss_change_points', ['run_id', 'shift_fraction'],
        'probe_index', 'series_index'
    ) }}
),

shifted as (
    -- The same against the loss change points shifted circularly.
    select
        run_id,
        detector,
        metric,
        shift_fraction,
        count(*) filter (
            where nearest_index >= series_index - {{ tolerance }}
        ) as n_coinciding_at_shift
    from nearest_shifted_loss_change_points
    group by run_id, detector, metric, shift_fraction
),

shifted_lists as (
    {{ agreement_shifted_lists('shifted', ['run_id', 'detector', 'metric']) }}
),

final as (
    select
        changed_runs.run_id,
        changed_runs.run_version,
        {{ null_text() }} as detector,
        {{ null_text() }} as metric,
        cast(null as bigint) as n_events,
        cast(null as bigint) as n_coinciding,
        {{ null_bigint_list() }} as n_coinciding_shifted
    from changed_runs
    union all
    select
        observed.run_id,
        changed_runs.run_version,
        observed.detector,
        observed.metric,
        observed.n_events,
        observed.n_coinciding,
        shifted_lists.n_coinciding_shifted
    from observed
    inner join shifted_lists
        on
            observed.run_id = shifted_lists.run_id
            and observed.detector = shifted_lists.detector
            and observed.metric = shifted_lists.metric
    inner join changed_runs on observed.run_id = changed_runs.run_id
)

select * from final
