{{
    config(
        materialized='incremental',
        unique_key='run_id',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_runs('int_loss_change_points') }}",
    )
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
            + round(shifts.shift_fraction * loss_change_points.n_velocities)::integer
        )
        % loss_change_points.n_velocities as series_index
    from loss_change_points
    cross join shifts
),

observed as (
    -- An event coincides with a loss change point when one lies within tolerance: the
    -- nearest one at or below its index plus the tolerance (an as-of join, one row per
    -- event) is at or above its index minus the tolerance.
    select
        events.run_id,
        events.detector,
        events.metric,
        count(*) as n_events,
        count(*) filter (
            where nearest.series_index >= events.series_index - {{ tolerance }}
        ) as n_coinciding
    from events
    asof left join loss_change_points as nearest
        on
            events.run_id = nearest.run_id
            and events.series_index + {{ tolerance }} >= nearest.series_index
    group by events.run_id, events.detector, events.metric
),

shifted as (
    -- The same against the loss change points shifted circularly.
    select
        events.run_id,
        events.detector,
        events.metric,
        shifts.shift_fraction,
        count(*) filter (
            where nearest.series_index >= events.series_index - {{ tolerance }}
        ) as n_coinciding_at_shift
    from events
    cross join shifts
    asof left join shifted_loss_change_points as nearest
        on
            events.run_id = nearest.run_id
            and shifts.shift_fraction = nearest.shift_fraction
            and events.series_index + {{ tolerance }} >= nearest.series_index
    group by events.run_id, events.detector, events.metric, shifts.shift_fraction
),

shifted_lists as (
    {{ agreement_shifted_lists('shifted', ['run_id', 'detector', 'metric']) }}
),

final as (
    select
        changed_runs.run_id,
        changed_runs.run_version,
        null::varchar as detector,
        null::varchar as metric,
        null::bigint as n_events,
        null::bigint as n_coinciding,
        null::bigint[] as n_coinciding_shifted
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
