"""Direct 3x3 valid convolution, NCHW / OIHW: one parallel task per (image,
output channel); the output plane is accumulated in a private fp32 buffer,
row by row, with the innermost loop running over contiguous output columns."""

import numpy as np
from numba import njit, prange


@njit(parallel=True, fastmath=True, cache=False)
def kernel(x, w, y, N, C, H, W, O, OH, OW):
    for t in prange(N * O):
        n = t // O
        o = t % O
        acc = np.zeros((OH, OW), dtype=np.float32)
        for c in range(C):
            for i in range(OH):
                for kh in range(3):
                    for kw in range(3):
                        wv = w[o, c, kh, kw]
                        for j in range(OW):
                            acc[i, j] += wv * x[n, c, i + kh, j + kw]
        for i in range(OH):
            for j in range(OW):
                y[n, o, i, j] = acc[i, j]
