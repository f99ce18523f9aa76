"""gelu (tanh approximation): one fused XLA elementwise expression."""
import jax.numpy as jnp

_C = 0.7978845608028654  # sqrt(2/pi)


def kernel(x, n):
    return 0.5 * x * (1.0 + jnp.tanh(_C * (x + 0.044715 * x * x * x)))
