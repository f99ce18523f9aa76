import math

from numba import njit, prange


@njit(parallel=True, fastmath=False, cache=False)
def kernel(x, out, M, N):
    # One row per iteration: max, then exp and sum (exp stored in out), then scale.
    for i in prange(M):
        m = x[i, 0]
        for j in range(1, N):
            if x[i, j] > m:
                m = x[i, j]
        s = 0.0
        for j in range(N):
            e = math.exp(x[i, j] - m)
            out[i, j] = e
            s += e
        inv = 1.0 / s
        for j in range(N):
            out[i, j] = out[i, j] * inv
