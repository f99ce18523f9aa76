"""Elementwise tasks: memory-bound, the roofline's bandwidth end."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32, dim, tensor


def vector_add(x, y, n):
    return x + y


TASKS = [
    Task(
        name="vector_add", category="elementwise",
        description="out[i] = x[i] + y[i] for i < n.",
        signature={"inputs": [tensor("x", "float32", "n"), tensor("y", "float32", "n")],
                   "outputs": [tensor("out", "float32", "n")], "params": [dim("n")]},
        visible_shapes=[{"n": 1 << 20}, {"n": 1 << 22}],
        heldout_shapes=[{"n": 1}, {"n": 1_000_003}, {"n": 3 << 21}],
        tolerances=F32, flops="n", bytes="12 * n",
        reference="tasks.elementwise:vector_add",
        framework_references={"torch": "tasks.torch_refs:vector_add"},
    ),
]
