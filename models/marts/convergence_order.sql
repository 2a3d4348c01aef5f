-- One row per analysed run and metric: Spearman's rho of depth vs stabilization index and
-- the convergence pattern (computed by the Python step int_convergence_order).

with convergence as (
    select * from {{ ref('int_convergence_order') }}
),

final as (
    select
        run_id,
        metric,
        spearman_rho,
        p_value,
        pattern,
        n_stabilized_layers,
        n_layers,
        convergence_status,
        p_value_method,
        min_attainable_p_value,
        q_value
    from convergence
)

select * from final
