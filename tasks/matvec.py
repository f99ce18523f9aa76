"""Matrix-vector product: a bandwidth-bound reduction over rows."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32_ACCUM, dim, tensor


def gemv(A, x, M, N):
    return np.matmul(A, x)


TASKS = [
    Task(
        name="gemv", category="matvec",
        description=("y = A @ x in fp32: y[i] = sum_j A[i, j] * x[j] for i < M, j < N. "
                     "A is row-major and contiguous. Every element of y must be written."),
        signature={"inputs": [tensor("A", "float32", "M", "N"), tensor("x", "float32", "N")],
                   "outputs": [tensor("y", "float32", "M")],
                   "params": [dim("M", "rows of A, length of y"), dim("N", "columns of A, length of x")]},
        visible_shapes=[{"M": 2048, "N": 2048}, {"M": 1024, "N": 8192}],
        heldout_shapes=[{"M": 1, "N": 1537}, {"M": 1537, "N": 1}, {"M": 3001, "N": 2999},
                        {"M": 4096, "N": 4096}],
        tolerances=F32_ACCUM, flops="2 * M * N", bytes="4 * (M * N + N + M)",
        reference="tasks.matvec:gemv",
        framework_references={"torch": "tasks.torch_refs:gemv"}, tags=["memory-bound", "blas2"],
    ),
]
