"""Race-free histogram: per-thread private counts over contiguous chunks of
the input, merged per bin in parallel; serial when the private bins would
outweigh the input (B * threads > N)."""

import numpy as np
from numba import get_num_threads, njit, prange


@njit(parallel=True, cache=False)
def kernel(values, counts, N, B):
    T = get_num_threads()
    if T == 1 or N < 65536 or B * T > N:
        for b in range(B):
            counts[b] = 0
        for i in range(N):
            counts[values[i]] += 1
        return
    private = np.zeros((T, B), dtype=np.int32)
    chunk = (N + T - 1) // T
    for t in prange(T):
        for i in range(t * chunk, min(t * chunk + chunk, N)):
            private[t, values[i]] += 1
    for b in prange(B):
        acc = 0
        for t in range(T):
            acc += private[t, b]
        counts[b] = acc
