"""row_sum: XLA reduction over the last axis."""
import jax.numpy as jnp


def kernel(x, M, N):
    return jnp.sum(x, axis=1)
