"""matmul: one XLA dot. HIGHEST precision: on TPUs the default f32 dot rounds inputs to bf16."""
import jax.numpy as jnp
from jax import lax


def kernel(A, B, M, N, K):
    return jnp.dot(A, B, precision=lax.Precision.HIGHEST)
