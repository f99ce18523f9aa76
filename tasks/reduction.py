"""Reductions: memory-bound, with an accumulation whose order and precision matter."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32_ACCUM, dim, tensor


def _mean_offsets(rng, count):
    """Means of magnitude 0.5 to 1.5 with random sign, drawn per call."""
    return rng.choice([-1.0, 1.0], size=count) * rng.uniform(0.5, 1.5, size=count)


def offset_rows(rng, shape):
    """Standard normal plus a random mean per row. Zero-mean rows would make each sum a
    near-cancellation (|sum| ~ sqrt(N) while the summands total ~N), so the check would
    measure luck, not the kernel; a nonzero mean keeps the sums well conditioned, and
    drawing it per row and call means no constant answer can pass."""
    m, n = shape["M"], shape["N"]
    return {"x": rng.standard_normal((m, n)) + _mean_offsets(rng, m)[:, None]}


def offset_vector(rng, shape):
    """Standard normal plus one random mean per call (see offset_rows)."""
    return {"x": rng.standard_normal(shape["n"]) + _mean_offsets(rng, 1)[0]}


def row_sum(x, M, N):
    return x.sum(axis=1)


def total_sum(x, n):
    return np.array([x.sum()])


TASKS = [
    Task(
        name="row_sum", category="reduction",
        description="out[i] = sum over j < N of x[i, j], for each row i < M (x is row-major M x N).",
        signature={"inputs": [tensor("x", "float32", "M", "N")],
                   "outputs": [tensor("out", "float32", "M")], "params": [dim("M"), dim("N")]},
        visible_shapes=[{"M": 4096, "N": 1024}, {"M": 512, "N": 8192}],
        heldout_shapes=[{"M": 1, "N": 1_000_003}, {"M": 1537, "N": 1537}, {"M": 65537, "N": 1},
                        {"M": 4096, "N": 4096}],
        tolerances=F32_ACCUM, flops="M * N", bytes="4 * M * N + 4 * M",
        reference="tasks.reduction:row_sum", generator="tasks.reduction:offset_rows",
        framework_references={"torch": "tasks.torch_refs:row_sum"},
    ),
    Task(
        name="sum", category="reduction",
        description="out[0] = sum over i < n of x[i]: a full reduction to one element "
                    "(the output has shape [1]).",
        signature={"inputs": [tensor("x", "float32", "n")],
                   "outputs": [tensor("out", "float32", 1)], "params": [dim("n")]},
        visible_shapes=[{"n": 1 << 20}, {"n": 1 << 23}],
        heldout_shapes=[{"n": 1}, {"n": 1_000_003}, {"n": 3 << 22}],
        tolerances=F32_ACCUM, flops="n", bytes="4 * n + 4",
        reference="tasks.reduction:total_sum", generator="tasks.reduction:offset_vector",
        framework_references={"torch": "tasks.torch_refs:total_sum"},
    ),
]
