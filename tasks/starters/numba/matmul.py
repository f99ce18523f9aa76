"""Cache-blocked fp32 GEMM. Each parallel task owns a block of BM rows of C;
for each BN-wide column panel and BK-deep slice of K, the BK x BN block of B
(256 KiB) stays in L2 while all BM rows use it. The innermost loop is the
i-k-j 'axpy' form: A[i, k] broadcast over a contiguous row slice of B into a
row slice of C. Row slices are taken as 1-D views so numba/LLVM vectorises
that loop (indexing C[i, j] with a column offset does not vectorise)."""

import numpy as np
from numba import njit, prange

BM = 16   # rows of C per parallel task
BN = 512  # column panel width
BK = 128  # depth of a K slice


@njit(parallel=True, fastmath=True, cache=False)
def kernel(A, B, C, M, N, K):
    for ib in prange((M + BM - 1) // BM):
        i0 = ib * BM
        i1 = min(i0 + BM, M)
        for i in range(i0, i1):
            ci = C[i]
            for j in range(N):
                ci[j] = np.float32(0.0)
        for j0 in range(0, N, BN):
            j1 = min(j0 + BN, N)
            w = j1 - j0
            for k0 in range(0, K, BK):
                k1 = min(k0 + BK, K)
                for i in range(i0, i1):
                    ci = C[i, j0:j1]
                    ai = A[i]
                    for k in range(k0, k1):
                        a = ai[k]
                        bk = B[k, j0:j1]
                        for j in range(w):
                            ci[j] += a * bk[j]
