import math

from numba import njit, prange


@njit(parallel=True, fastmath=False, cache=False)
def kernel(x, weight, out, M, N, eps):
    for i in prange(M):
        q = 0.0
        for j in range(N):
            v = x[i, j]
            q += v * v
        r = 1.0 / math.sqrt(q / N + eps)
        for j in range(N):
            out[i, j] = x[i, j] * r * weight[j]
