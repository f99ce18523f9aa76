"""attention: softmax(Q K^T / sqrt(D)) V, materialising the SxS scores (fine at these sizes)."""
import jax.numpy as jnp
from jax import lax

HI = lax.Precision.HIGHEST


def kernel(Q, K, V, S, D):
    s = jnp.dot(Q, K.T, precision=HI) * (1.0 / D ** 0.5)
    p = jnp.exp(s - jnp.max(s, axis=1, keepdims=True))
    p = p / jnp.sum(p, axis=1, keepdims=True)
    return jnp.dot(p, V, precision=HI)
