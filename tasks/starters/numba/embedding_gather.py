"""Row gather: one parallel task per block of lookups, each copying a
contiguous table row (idx is trusted to be in [0, V))."""

from numba import njit, prange

ROWS = 16


@njit(parallel=True, cache=False)
def kernel(table, idx, out, V, D, N):
    for b in prange((N + ROWS - 1) // ROWS):
        for n in range(b * ROWS, min(b * ROWS + ROWS, N)):
            r = idx[n]
            for d in range(D):
                out[n, d] = table[r, d]
