"""layer_dynamics: record training runs (`layer_dynamics.record`) for the warehouse."""
