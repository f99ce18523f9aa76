"""Scans: a sequential dependence that a parallel kernel must break up."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32_ACCUM, dim, tensor


def prefix_sum(x, n):
    return np.cumsum(x)


TASKS = [
    Task(
        name="prefix_sum", category="scan",
        description="Inclusive prefix sum of a 1-D array: out[i] = x[0] + x[1] + ... + x[i] for i < n.",
        signature={"inputs": [tensor("x", "float32", "n")],
                   "outputs": [tensor("out", "float32", "n")], "params": [dim("n")]},
        visible_shapes=[{"n": 1 << 20}, {"n": 1 << 22}],
        heldout_shapes=[{"n": 1}, {"n": 1025}, {"n": 1_000_003}, {"n": 3 << 21}],
        tolerances=F32_ACCUM, flops="n", bytes="8 * n",
        reference="tasks.scan:prefix_sum",
        framework_references={"torch": "tasks.torch_refs:prefix_sum"},
    ),
]
