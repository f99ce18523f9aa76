"""Single-head attention, one query row per parallel task: scores against all
keys, a numerically stable softmax (max subtracted), then the weighted sum of
V rows accumulated into the output row."""

import math

import numpy as np
from numba import njit, prange


@njit(parallel=True, fastmath=True, cache=False)
def kernel(Q, K, V, O, S, D):
    scale = np.float32(1.0 / math.sqrt(D))
    for i in prange(S):
        s = np.empty(S, dtype=np.float32)
        m = -np.inf
        for j in range(S):
            acc = np.float32(0.0)
            for d in range(D):
                acc += Q[i, d] * K[j, d]
            acc *= scale
            s[j] = acc
            if acc > m:
                m = acc
        total = np.float32(0.0)
        for j in range(S):
            e = np.float32(math.exp(s[j] - m))
            s[j] = e
            total += e
        out = np.zeros(D, dtype=np.float32)
        for j in range(S):
            p = s[j]
            for d in range(D):
                out[d] += p * V[j, d]
        inv = np.float32(1.0) / total
        for d in range(D):
            O[i, d] = out[d] * inv
