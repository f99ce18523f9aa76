"""1-D 'same' convolution with zero padding: blocks of outputs in parallel;
per tap, the valid output range is computed once, so the inner loop is
branch-free and vectorises."""

import numpy as np
from numba import njit, prange

BS = 4096


@njit(parallel=True, fastmath=True, cache=False)
def kernel(x, w, y, N, K):
    h = K // 2
    for b in prange((N + BS - 1) // BS):
        i0 = b * BS
        i1 = min(i0 + BS, N)
        acc = np.zeros(i1 - i0, dtype=np.float32)
        for k in range(K):
            wk = w[k]
            off = k - h
            lo = max(i0, -off)
            hi = min(i1, N - off)
            for i in range(lo, hi):
                acc[i - i0] += wk * x[i + off]
        for i in range(i0, i1):
            y[i] = acc[i - i0]
