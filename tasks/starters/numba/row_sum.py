from numba import njit, prange


@njit(parallel=True, fastmath=False, cache=False)
def kernel(x, out, M, N):
    # One row per iteration; four float64 accumulators break the add dependency chain.
    for i in prange(M):
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        j = 0
        while j + 4 <= N:
            s0 += x[i, j]
            s1 += x[i, j + 1]
            s2 += x[i, j + 2]
            s3 += x[i, j + 3]
            j += 4
        while j < N:
            s0 += x[i, j]
            j += 1
        out[i] = (s0 + s1) + (s2 + s3)
