"""Race-free scatter-add: each thread accumulates its chunk of the input into
private bins, then the private bins are summed per bin in parallel. With few
inputs per bin (B * threads > N) the private bins cost more than they save,
so it runs serially instead."""

import numpy as np
from numba import get_num_threads, njit, prange


@njit(parallel=True, cache=False)
def kernel(values, idx, out, N, B):
    T = get_num_threads()
    if T == 1 or N < 65536 or B * T > N:
        for b in range(B):
            out[b] = np.float32(0.0)
        for i in range(N):
            out[idx[i]] += values[i]
        return
    private = np.zeros((T, B), dtype=np.float32)
    chunk = (N + T - 1) // T
    for t in prange(T):
        for i in range(t * chunk, min(t * chunk + chunk, N)):
            private[t, idx[i]] += values[i]
    for b in prange(B):
        acc = np.float32(0.0)
        for t in range(T):
            acc += private[t, b]
        out[b] = acc
