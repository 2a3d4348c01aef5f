{#-
  Agreement between detectors, metrics and the loss curve (the marts metric_agreement,
  detector_agreement and loss_agreement).

  Every count behind those marts is a sum over runs: the events of a detector and metric
  (n_events), those within +/- `agreement_tolerance` measurements of an event of the other
  side (n_coinciding) and the same after shifting the other side's events circularly by each
  of `agreement_shift_fractions`. So the counts are computed per run, incrementally (the
  models int_*_agreement_runs: only the runs whose version changed), and the marts sum them.
-#}

{% macro agreement_counts_version() -%}
    {#- Part of every per-run agreement row's version: the SQL of the events (int_layer_events)
        and of the macros below, which the per-run models' own SQL only calls (the as-of join
        with this engine's implementation of it). -#}
    {%- set events = graph.nodes.get('model.layer_dynamics.int_layer_events') if execute else none -%}
    {%- set key = (events.raw_code if events else '')
        ~ agreement_changed_runs.macro.macro_sql
        ~ agreement_pair_counts_by_run.macro.macro_sql
        ~ agreement_shifted_lists.macro.macro_sql
        ~ nearest_at_or_below_join.macro.macro_sql
        ~ adapter.dispatch('nearest_at_or_below_join', 'layer_dynamics').macro.macro_sql -%}
    {{- local_md5(key) -}}
{%- endmacro %}

{% macro agreement_shifts() -%}
    {#- The distinct shift fractions (a repeated fraction changes no share). -#}
    select distinct shift_fraction
    from (
        select {{ unnest_list(double_list_literal(var('agreement_shift_fractions'))) }} as shift_fraction
    ) as listed_shifts
{%- endmacro %}

{% macro agreement_changed_runs(versions_relation, bookkeeping) -%}
    {#- The CTEs versions, changed_runs and events: the real runs' versions, read from the
        bookkeeping rows (one per real run) of `versions_relation` with the version of the
        event and count SQL; the runs whose version this model does not hold yet, at this
        model's version; and their events. -#}
versions as (
    select
        run_id,
        md5(run_version || '{{ agreement_counts_version() }}') as upstream_version
    from {{ versions_relation }}
    where {{ bookkeeping }}
),

changed_runs as (
    select
        run_id,
        {{ derived_run_version('upstream_version') }} as run_version
    from versions
    {{- only_new_run_versions('versions', 'upstream_version') }}
),

events as (
    select layer_events.*
    from {{ ref('int_layer_events') }} as layer_events
    semi join changed_runs on layer_events.run_id = changed_runs.run_id
)
{%- endmacro %}

{% macro agreement_shift_positions() -%}
    {#- The distinct shift fractions and their position (1-based) in ascending order: the
        element of the per-run lists n_coinciding_shifted that counts at that shift. -#}
    select
        shift_fraction,
        row_number() over (order by shift_fraction) as shift_position
    from ({{ agreement_shifts() }})
{%- endmacro %}

{% macro agreement_shifted_lists(counts, keys) -%}
    {#- One row per `keys`: the per-shift counts of `counts` (keys, shift_fraction,
        n_coinciding_at_shift) as one list, in ascending order of shift fraction. -#}
    select
        {{ keys | join(', ') }},
        {{ ordered_list('n_coinciding_at_shift', 'shift_fraction') }} as n_coinciding_shifted
    from {{ counts }}
    group by {{ keys | join(', ') }}
{%- endmacro %}

{% macro agreement_pair_counts_by_run(pair) -%}
    {#- The per-run counts behind metric_agreement (pair='metric': a detector's events of a
        metric against that detector's events of another metric) and detector_agreement
        (pair='detector': a metric's events by a detector against those by another detector),
        for the real runs whose version changed. Rows per run: one bookkeeping row (every
        other column NULL) holding the version; per detector and metric with events, one row
        with n_events (other_<pair> NULL); per detector, metric and other <pair> with events
        in the run, one row with the coinciding counts. -#}
    {%- set same = 'detector' if pair == 'metric' else 'metric' %}
    {%- set other = 'other_' ~ pair %}
    {%- set tolerance = var('agreement_tolerance') | int %}
with {{ agreement_changed_runs(
    ref('int_change_points'), 'metric is null and not is_validity_fixture'
) }},

shifts as (
    {{ agreement_shifts() }}
),

others as (
    -- The {{ pair }}s with events in the run: the other side of each pair.
    select distinct
        run_id,
        {{ pair }} as {{ other }}
    from events
),

shifted_positions as (
    -- Every event's series index after shifting the events circularly by a share of the
    -- series.
    select
        events.detector,
        events.run_id,
        events.metric,
        events.layer,
        shifts.shift_fraction,
        (
            events.series_index
            + cast(round(shifts.shift_fraction * events.n_velocities) as integer)
        )
        % events.n_velocities as series_index
    from events
    cross join shifts
),

event_counts as (
    select
        run_id,
        detector,
        metric,
        count(*) as n_events
    from events
    group by run_id, detector, metric
),

probes as (
    -- Every event against every other {{ pair }} with events in the run, and the index up to
    -- which the other side's events can lie within tolerance.
    select
        events.run_id,
        events.detector,
        events.metric,
        events.layer,
        events.series_index,
        others.{{ other }},
        events.series_index + {{ tolerance }} as probe_index
    from events
    inner join others
        on events.run_id = others.run_id and events.{{ pair }} != others.{{ other }}
),

targets as (
    -- The other side's events, keyed as the probes that look for them.
    select
        run_id,
        {{ same }},
        {{ pair }} as {{ other }},
        layer,
        series_index
    from events
),

nearest_targets as (
    -- An event coincides with the other side when one of that side's events lies within
    -- tolerance: the nearest one at or below its index plus the tolerance (an as-of join,
    -- one row per event) is at or above its index minus the tolerance.
    {{ nearest_at_or_below_join(
        'probes', 'targets', [same, 'run_id', other, 'layer'], 'probe_index', 'series_index'
    ) }}
),

observed as (
    select
        run_id,
        detector,
        metric,
        {{ other }},
        count(*) filter (
            where nearest_index >= series_index - {{ tolerance }}
        ) as n_coinciding
    from nearest_targets
    group by run_id, detector, metric, {{ other }}
),

shifted_probes as (
    select
        probes.*,
        shifts.shift_fraction
    from probes
    cross join shifts
),

shifted_targets as (
    -- The other side's events shifted circularly.
    select
        run_id,
        {{ same }},
        {{ pair }} as {{ other }},
        layer,
        shift_fraction,
        series_index
    from shifted_positions
),

nearest_shifted_targets as (
    {{ nearest_at_or_below_join(
        'shifted_probes', 'shifted_targets', [same, 'run_id', other, 'layer', 'shift_fraction'],
        'probe_index', 'series_index'
    ) }}
),

shifted as (
    -- The same against the other side's events shifted circularly.
    select
        run_id,
        detector,
        metric,
        {{ other }},
        shift_fraction,
        count(*) filter (
            where nearest_index >= series_index - {{ tolerance }}
        ) as n_coinciding_at_shift
    from nearest_shifted_targets
    group by run_id, detector, metric, {{ other }}, shift_fraction
),

shifted_lists as (
    {{ agreement_shifted_lists('shifted', ['run_id', 'detector', 'metric', other]) }}
),

counts as (
    select
        run_id,
        detector,
        metric,
        {{ null_text() }} as {{ other }},
        n_events,
        cast(null as bigint) as n_coinciding,
        {{ null_bigint_list() }} as n_coinciding_shifted
    from event_counts
    union all
    select
        observed.run_id,
        observed.detector,
        observed.metric,
        observed.{{ other }},
        cast(null as bigint) as n_events,
        observed.n_coinciding,
        shifted_lists.n_coinciding_shifted
    from observed
    inner join shifted_lists
        on
            observed.run_id = shifted_lists.run_id
            and observed.detector = shifted_lists.detector
            and observed.metric = shifted_lists.metric
            and observed.{{ other }} = shifted_lists.{{ other }}
),

final as (
    select
        changed_runs.run_id,
        changed_runs.run_version,
        {{ null_text() }} as detector,
        {{ null_text() }} as metric,
        {{ null_text() }} as {{ other }},
        cast(null as bigint) as n_events,
        cast(null as bigint) as n_coinciding,
        {{ null_bigint_list() }} as n_coinciding_shifted
    from changed_runs
    union all
    select
        counts.run_id,
        changed_runs.run_version,
        counts.detector,
        counts.metric,
        counts.{{ other }},
        counts.n_events,
        counts.n_coinciding,
        counts.n_coinciding_shifted
    from counts
    inner join changed_runs on counts.run_id = changed_runs.run_id
)

select * from final
{%- endmacro %}

{% macro agreement_pair_mart(pair, per_run_model) -%}
    {#- metric_agreement (pair='metric') or detector_agreement (pair='detector') from the
        per-run counts: the sums over runs, the pairs drawn from every run's events (a run
        without events of the other side counts its events as not coinciding). -#}
    {%- set same = 'detector' if pair == 'metric' else 'metric' %}
    {%- set other = 'other_' ~ pair %}
with counts as (
    select * from {{ ref(per_run_model) }}
    where detector is not null
),

shifts as (
    {{ agreement_shift_positions() }}
),

event_counts as (
    select
        detector,
        metric,
        cast(sum(n_events) as bigint) as n_events
    from counts
    where {{ other }} is null
    group by detector, metric
),

{{ pair }}s as (
    select distinct {{ pair }} from event_counts
),

pairs as (
    select
        event_counts.detector,
        event_counts.metric,
        other_sides.{{ pair }} as {{ other }},
        event_counts.n_events
    from event_counts
    cross join {{ pair }}s as other_sides
    where event_counts.{{ pair }} != other_sides.{{ pair }}
),

pair_counts as (
    select
        detector,
        metric,
        {{ other }},
        cast(sum(n_coinciding) as bigint) as n_coinciding
    from counts
    where {{ other }} is not null
    group by detector, metric, {{ other }}
),

pair_counts_at_shift as (
    select
        counts.detector,
        counts.metric,
        counts.{{ other }},
        shifts.shift_fraction,
        cast(
            sum({{ list_at('counts.n_coinciding_shifted', 'shifts.shift_position') }}) as bigint
        ) as n_coinciding_at_shift
    from counts
    cross join shifts
    where counts.{{ other }} is not null
    group by counts.detector, counts.metric, counts.{{ other }}, shifts.shift_fraction
),

observed as (
    select
        pairs.detector,
        pairs.metric,
        pairs.{{ other }},
        pairs.n_events,
        coalesce(pair_counts.n_coinciding, 0) as n_coinciding
    from pairs
    left join pair_counts
        on
            pairs.detector = pair_counts.detector
            and pairs.metric = pair_counts.metric
            and pairs.{{ other }} = pair_counts.{{ other }}
),

shifted as (
    select
        pairs.detector,
        pairs.metric,
        pairs.{{ other }},
        shifts.shift_fraction,
        coalesce(pair_counts_at_shift.n_coinciding_at_shift, 0) / pairs.n_events
            as shifted_share_at_shift
    from pairs
    cross join shifts
    left join pair_counts_at_shift
        on
            pairs.detector = pair_counts_at_shift.detector
            and pairs.metric = pair_counts_at_shift.metric
            and pairs.{{ other }} = pair_counts_at_shift.{{ other }}
            and shifts.shift_fraction = pair_counts_at_shift.shift_fraction
),

chance as (
    select
        detector,
        metric,
        {{ other }},
        {{ ordered_avg('shifted_share_at_shift', 'shift_fraction') }} as shifted_share
    from shifted
    group by detector, metric, {{ other }}
),

final as (
    select
        observed.{{ same }},
        observed.{{ pair }},
        observed.{{ other }},
        observed.n_events,
        observed.n_coinciding,
        observed.n_coinciding / observed.n_events as coinciding_share,
        chance.shifted_share,
        observed.n_coinciding / observed.n_events - chance.shifted_share as excess_share
    from observed
    inner join chance
        on
            observed.detector = chance.detector
            and observed.metric = chance.metric
            and observed.{{ other }} = chance.{{ other }}
)

select * from final
{%- endmacro %}
