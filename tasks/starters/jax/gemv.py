"""gemv: one XLA matrix-vector dot (HIGHEST precision, see matmul)."""
import jax.numpy as jnp
from jax import lax


def kernel(A, x, M, N):
    return jnp.dot(A, x, precision=lax.Precision.HIGHEST)
