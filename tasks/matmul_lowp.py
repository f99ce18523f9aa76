"""Low-precision dense matmul: float16 inputs and output, fp32 accumulation. The tensor-core end of
the roofline (the fp32 ``matmul`` task keeps exact fp32 products and cannot use them)."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task, Tolerance
from kernelhub.taskdef import dim, tensor

#: float16 outputs of an fp32-accumulated K loop: rounding the result to float16 alone costs up to
#: 2**-11 (4.9e-4) of each element; the rest covers fp32 summation order over K up to a few thousand.
F16_ACCUM = {"float16": Tolerance(atol=1e-3, rtol=2e-3)}


def matmul_fp16(A, B, M, N, K):
    # The harness upcasts the float16 inputs to float64: exact products, float64 sums, so the only
    # error the tolerance has to absorb is the candidate's (fp32 accumulation, float16 rounding).
    return np.matmul(A, B)


def matmul_fp16_host(A, B, M, N, K):
    """The host baseline: what a NumPy user writes for a half GEMM (BLAS sgemm on upcast copies);
    NumPy's own float16 matmul has no BLAS path and takes half a minute at 2048^3."""
    return (A.astype(np.float32) @ B.astype(np.float32)).astype(np.float16)


TASKS = [
    Task(
        name="matmul_fp16", category="matmul",
        description=("C = A @ B with float16 A[M, K], B[K, N] and float16 C[M, N]: "
                     "C[i, j] = sum_k A[i, k] * B[k, j], accumulated in fp32 (or better) and rounded to "
                     "float16 once at the end; accumulating in float16 misses the tolerance for K in the "
                     "thousands. All arrays are row-major and contiguous. Every element of C must be "
                     "written (C arrives poisoned, not zeroed)."),
        signature={"inputs": [tensor("A", "float16", "M", "K"), tensor("B", "float16", "K", "N")],
                   "outputs": [tensor("C", "float16", "M", "N")],
                   "params": [dim("M", "rows of A and C"), dim("N", "columns of B and C"),
                              dim("K", "inner dimension")]},
        # 4096^3 (the GPU benchmark's shape) stays out: CPU backends and the float64 reference would
        # spend minutes on it in every suite run; benchmarks/gpu_nvidia.py --large evaluates it.
        visible_shapes=[{"M": 1024, "N": 1024, "K": 1024}, {"M": 2048, "N": 2048, "K": 2048}],
        heldout_shapes=[{"M": 1000, "N": 1537, "K": 777}, {"M": 1, "N": 4096, "K": 1024},
                        {"M": 129, "N": 7, "K": 3001}, {"M": 513, "N": 2048, "K": 1536}],
        tolerances=F16_ACCUM, flops="2 * M * N * K", bytes="2 * (M * K + K * N + M * N)",
        reference="tasks.matmul_lowp:matmul_fp16", tags=["compute-bound", "blas3", "fp16", "tensor-core"],
        framework_references={"torch": "tasks.torch_refs:matmul_fp16", "numpy": "tasks.matmul_lowp:matmul_fp16_host"},
    ),
]
