import numpy as np
from numba import njit, prange

CHUNK = 1 << 16


@njit(parallel=True, fastmath=False, cache=False)
def kernel(x, out, n):
    # Chunked: each chunk sums with four float64 accumulators, then the chunk sums are added.
    nchunks = (n + CHUNK - 1) // CHUNK
    partial = np.empty(nchunks, np.float64)
    for c in prange(nchunks):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        i = lo
        while i + 4 <= hi:
            s0 += x[i]
            s1 += x[i + 1]
            s2 += x[i + 2]
            s3 += x[i + 3]
            i += 4
        while i < hi:
            s0 += x[i]
            i += 1
        partial[c] = (s0 + s1) + (s2 + s3)
    total = 0.0
    for c in range(nchunks):
        total += partial[c]
    out[0] = total
