-- One row per metric, architecture family and phase category (early, mid, late): the
-- five-number summary of jump magnitude.

with jumps as (
    select * from {{ ref('jumps') }}
),

final as (
    select
        metric,
        arch_family,
        phase_category,
        count(*) as n_jumps,
        min(magnitude) as min_magnitude,
        {{ quantile_cont_aggregate('magnitude', 0.25) }} as q1_magnitude,
        median(magnitude) as median_magnitude,
        {{ quantile_cont_aggregate('magnitude', 0.75) }} as q3_magnitude,
        max(magnitude) as max_magnitude
    from jumps
    group by all
    order by all
)

select * from final
