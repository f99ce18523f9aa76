import math

import numpy as np
from numba import njit, prange

TWO_SQRT_2_OVER_PI = np.float32(2.0 * 0.7978845608028654)
C3 = np.float32(0.044715)
ONE = np.float32(1.0)


@njit(parallel=True, fastmath=False, cache=False)
def kernel(x, out, n):
    # GELU, tanh approximation, via the identity 0.5 * (1 + tanh(u)) = 1 / (1 + exp(-2u)):
    # one exp instead of a tanh, no 1 + tanh cancellation for x << 0, and exp overflowing
    # to inf gives x / inf = -0, the right limit. float32 throughout.
    for i in prange(n):
        v = x[i]
        u2 = TWO_SQRT_2_OVER_PI * (v + C3 * v * v * v)
        out[i] = v / (ONE + math.exp(-u2))
