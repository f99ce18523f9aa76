"""gelu (tanh approximation): one fused XLA elementwise expression."""
import jax.numpy as jnp

_C = 0.7978845608028654  # sqrt(2/pi)


def kernel(x, n):
    # 0.5 * (1 + tanh(u)) == 1 / (1 + exp(-2u)): the tanh form cancels for negative x, and the
    # check's tolerance is relative (a single very negative element would fail)
    u = _C * (x + 0.044715 * x * x * x)
    return x / (1.0 + jnp.exp(-2.0 * u))
