{#-
  The detector marts' SQL that DuckDB and Spark spell differently (docs/spark.md). DuckDB
  counts matches with a correlated EXISTS inside an aggregate's FILTER; Spark has no
  correlated subquery there, so it joins each planted event (or detection) to what matches
  it and counts the ones with a match: the same counts.
-#}

{% macro validity_hit_counts(tolerance) -%}
    {#- CTEs planted_hits (per detector and run: planted events, those found within
        +/- `tolerance`, the mean match window) and detection_matches (detections, those
        matching no planted event) of detector_validity. -#}
    {{ adapter.dispatch('validity_hit_counts')(tolerance) }}
{%- endmacro %}

{% macro duckdb__validity_hit_counts(tolerance) -%}
planted_hits as (
    -- A planted event is found when the detector fires within +/- tolerance of it.
    select
        planted.detector,
        planted.run_id,
        count(*) as n_planted,
        avg(planted.duration + 2 * {{ tolerance }}) as match_window,
        count(*) filter (where exists (
            select 1 from detections
            where
                detections.detector = planted.detector
                and detections.run_id = planted.run_id
                and detections.layer is not distinct from planted.layer
                and detections.measurement_index
                between planted.first_index - {{ tolerance }} and planted.last_index + {{ tolerance }}
        )) as n_found
    from planted
    group by planted.detector, planted.run_id
),

detection_matches as (
    select
        detections.detector,
        detections.run_id,
        count(*) as n_detected,
        count(*) filter (where not exists (
            select 1 from planted
            where
                planted.detector = detections.detector
                and planted.run_id = detections.run_id
                and planted.layer is not distinct from detections.layer
                and detections.measurement_index
                between planted.first_index - {{ tolerance }} and planted.last_index + {{ tolerance }}
        )) as false_positives
    from detections
    group by detections.detector, detections.run_id
)
{%- endmacro %}

{% macro spark__validity_hit_counts(tolerance) -%}
planted_numbered as (
    select
        planted.*,
        row_number() over (
            partition by planted.detector, planted.run_id
            order by planted.layer, planted.first_index, planted.last_index
        ) as planted_row
    from planted
),

planted_matched as (
    -- A planted event is found when the detector fires within +/- tolerance of it.
    select
        planted_numbered.detector,
        planted_numbered.run_id,
        planted_numbered.planted_row,
        any_value(planted_numbered.duration) as duration,
        count(detections.run_id) > 0 as is_found
    from planted_numbered
    left join detections
        on
            planted_numbered.detector = detections.detector
            and planted_numbered.run_id = detections.run_id
            and planted_numbered.layer is not distinct from detections.layer
            and detections.measurement_index
            between planted_numbered.first_index - {{ tolerance }}
            and planted_numbered.last_index + {{ tolerance }}
    group by planted_numbered.detector, planted_numbered.run_id, planted_numbered.planted_row
),

planted_hits as (
    select
        detector,
        run_id,
        count(*) as n_planted,
        avg(duration + 2 * {{ tolerance }}) as match_window,
        count_if(is_found) as n_found
    from planted_matched
    group by detector, run_id
),

detections_matched as (
    -- A detection is a false positive when it is within +/- tolerance of no planted event
    -- (detections are unique on detector, run, layer and measurement).
    select
        detections.detector,
        detections.run_id,
        detections.layer,
        detections.measurement_index,
        count(planted.run_id) > 0 as is_matched
    from detections
    left join planted
        on
            detections.detector = planted.detector
            and detections.run_id = planted.run_id
            and detections.layer is not distinct from planted.layer
            and detections.measurement_index
            between planted.first_index - {{ tolerance }} and planted.last_index + {{ tolerance }}
    group by
        detections.detector, detections.run_id, detections.layer, detections.measurement_index
),

detection_matches as (
    select
        detector,
        run_id,
        count(*) as n_detected,
        count_if(not is_matched) as false_positives
    from detections_matched
    group by detector, run_id
)
{%- endmacro %}

{% macro roc_recall(tolerance) -%}
    {#- CTE recall of detector_roc: per detector, threshold and step size, the planted steps
        and the share found within +/- `tolerance`. -#}
    {{ adapter.dispatch('roc_recall')(tolerance) }}
{%- endmacro %}

{% macro duckdb__roc_recall(tolerance) -%}
recall as (
    select
        planted_steps.detector,
        planted_steps.threshold,
        planted_steps.effect_size,
        count(*) as n_planted,
        count(*) filter (where exists (
            select 1 from detections
            where
                detections.detector = planted_steps.detector
                and detections.threshold = planted_steps.threshold
                and detections.run_id = planted_steps.run_id
                and detections.layer = planted_steps.layer
                and abs(detections.measurement_index - planted_steps.measurement_index)
                <= {{ tolerance }}
        )) / count(*) as recall
    from planted_steps
    group by planted_steps.detector, planted_steps.threshold, planted_steps.effect_size
)
{%- endmacro %}

{% macro spark__roc_recall(tolerance) -%}
planted_numbered as (
    select
        planted_steps.*,
        row_number() over (
            partition by planted_steps.detector, planted_steps.threshold, planted_steps.effect_size
            order by planted_steps.run_id, planted_steps.layer, planted_steps.measurement_index
        ) as planted_row
    from planted_steps
),

planted_matched as (
    select
        planted_numbered.detector,
        planted_numbered.threshold,
        planted_numbered.effect_size,
        planted_numbered.planted_row,
        count(detections.run_id) > 0 as is_found
    from planted_numbered
    left join detections
        on
            planted_numbered.detector = detections.detector
            and planted_numbered.threshold = detections.threshold
            and planted_numbered.run_id = detections.run_id
            and planted_numbered.layer = detections.layer
            and abs(detections.measurement_index - planted_numbered.measurement_index)
            <= {{ tolerance }}
    group by
        planted_numbered.detector,
        planted_numbered.threshold,
        planted_numbered.effect_size,
        planted_numbered.planted_row
),

recall as (
    select
        detector,
        threshold,
        effect_size,
        count(*) as n_planted,
        count_if(is_found) / count(*) as recall
    from planted_matched
    group by detector, threshold, effect_size
)
{%- endmacro %}

{% macro verdict_statement() -%}
    {#- detector_verdicts' sentence. NULL when a part is NULL (DuckDB's format). The numbers
        are rounded half to even on their exact binary value on both engines (DuckDB printf;
        Spark format_number, Java's DecimalFormat; Spark's format_string rounds half up). -#}
    {{ adapter.dispatch('verdict_statement')() }}
{%- endmacro %}

{% macro duckdb__verdict_statement() -%}
format(
            '{} {} {}-SD {} events (chance-corrected recall {}) at {} false positives'
            || ' per 1,000 on realistic noise',
            detector,
            case when is_found then 'finds' else 'misses' end,
            effect_size,
            event_kind,
            coalesce(printf('%.2f', chance_corrected_recall), 'undefined'),
            printf('%.1f', holdout_false_positives_per_1000)
        )
{%- endmacro %}

{% macro spark__verdict_statement() -%}
    detector || ' ' || case when is_found then 'finds' else 'misses' end
        || ' ' || cast(effect_size as string) || '-SD ' || event_kind
        || ' events (chance-corrected recall '
        || coalesce(format_number(chance_corrected_recall, '0.00'), 'undefined')
        || ') at ' || format_number(holdout_false_positives_per_1000, '0.0')
        || ' false positives per 1,000 on realistic noise'
{%- endmacro %}
