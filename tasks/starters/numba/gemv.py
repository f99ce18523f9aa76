"""fp32 GEMV: one parallel task per block of rows; each row is a contiguous
dot product with x (fastmath lets numba vectorise the reduction)."""

import numpy as np
from numba import njit, prange

ROWS = 8


@njit(parallel=True, fastmath=True, cache=False)
def kernel(A, x, y, M, N):
    for b in prange((M + ROWS - 1) // ROWS):
        for i in range(b * ROWS, min(b * ROWS + ROWS, M)):
            acc = np.float32(0.0)
            for j in range(N):
                acc += A[i, j] * x[j]
            y[i] = acc
