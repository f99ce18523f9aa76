import numpy as np
from numba import njit, prange

CHUNK = 1 << 15


@njit(parallel=True, fastmath=False, cache=False)
def kernel(x, out, n):
    # Reduce-then-scan: chunk totals in parallel, a short serial scan of the totals,
    # then each chunk scans itself in parallel starting from its offset (float64 carry).
    nchunks = (n + CHUNK - 1) // CHUNK
    totals = np.empty(nchunks, np.float64)
    for c in prange(nchunks):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        s = 0.0
        for i in range(lo, hi):
            s += x[i]
        totals[c] = s
    offsets = np.empty(nchunks, np.float64)
    run = 0.0
    for c in range(nchunks):
        offsets[c] = run
        run += totals[c]
    for c in prange(nchunks):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        s = offsets[c]
        for i in range(lo, hi):
            s += x[i]
            out[i] = s
