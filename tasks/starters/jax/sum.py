"""sum: XLA's tree reduction (pairwise, so float32 rounding stays small), returned as shape (1,)."""
import jax.numpy as jnp


def kernel(x, n):
    return jnp.sum(x).reshape(1)
