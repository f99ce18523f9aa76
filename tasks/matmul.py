"""Dense matrix multiplication: the roofline's compute end."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32_ACCUM, dim, tensor


def matmul(A, B, M, N, K):
    # float64 inputs (the harness upcasts): float64 GEMM is far more accurate than the fp32 tolerance.
    return np.matmul(A, B)


TASKS = [
    Task(
        name="matmul", category="matmul",
        description=("C = A @ B in fp32: C[i, j] = sum_k A[i, k] * B[k, j] for i < M, j < N, k < K. "
                     "All arrays are row-major and contiguous. Every element of C must be written "
                     "(C arrives poisoned, not zeroed)."),
        signature={"inputs": [tensor("A", "float32", "M", "K"), tensor("B", "float32", "K", "N")],
                   "outputs": [tensor("C", "float32", "M", "N")],
                   "params": [dim("M", "rows of A and C"), dim("N", "columns of B and C"),
                              dim("K", "inner dimension")]},
        visible_shapes=[{"M": 512, "N": 512, "K": 512}, {"M": 768, "N": 768, "K": 768}],
        heldout_shapes=[{"M": 1, "N": 1024, "K": 512}, {"M": 257, "N": 129, "K": 1537},
                        {"M": 1000, "N": 1, "K": 333}, {"M": 1024, "N": 1024, "K": 1024}],
        tolerances=F32_ACCUM, flops="2 * M * N * K", bytes="4 * (M * K + K * N + M * N)",
        reference="tasks.matmul:matmul", tags=["compute-bound", "blas3"],
        framework_references={"torch": "tasks.torch_refs:matmul"},
    ),
]
