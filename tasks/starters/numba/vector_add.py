from numba import njit, prange


@njit(parallel=True, fastmath=False, cache=False)
def kernel(x, y, out, n):
    for i in prange(n):
        out[i] = x[i] + y[i]
