"""histogram: counts of each value in [0, B) via scatter-add of ones."""
import jax.numpy as jnp


def kernel(values, N, B):
    return jnp.zeros((B,), jnp.int32).at[values].add(1)
