"""Integer histogram: contended counting, checked exactly."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import dim, tensor


def histogram(values, N, B):
    return np.bincount(values.astype(np.int64), minlength=B).astype(np.int32)


def histogram_inputs(rng: np.random.Generator, shape: dict[str, int]) -> dict[str, np.ndarray]:
    """Half uniform over [0, B), half clustered around B/3 (a few hot bins, as in real data)."""
    N, B = shape["N"], shape["B"]
    uniform = rng.integers(0, B, N, dtype=np.int32)
    hot = rng.standard_normal(N, dtype=np.float32) * np.float32(max(B / 64, 1.0)) + np.float32(B / 3)
    hot = np.clip(np.rint(hot), 0, B - 1).astype(np.int32)
    return {"values": np.where(rng.random(N, dtype=np.float32) < 0.5, uniform, hot)}


TASKS = [
    Task(
        name="histogram", category="histogram",
        description=("Histogram of int32 values, every one in [0, B): counts[b] = number of i < N with "
                     "values[i] == b, as int32, for b < B (exact). Values are skewed: some bins are hot, so "
                     "concurrent increments of one bin must not be lost. counts arrives poisoned: the kernel "
                     "must initialise it."),
        signature={"inputs": [tensor("values", "int32", "N")],
                   "outputs": [tensor("counts", "int32", "B")],
                   "params": [dim("N", "number of values"), dim("B", "number of bins")]},
        visible_shapes=[{"N": 1 << 22, "B": 256}, {"N": 1 << 22, "B": 65536}],
        heldout_shapes=[{"N": 1, "B": 1}, {"N": 1_000_003, "B": 1}, {"N": 1537, "B": 100_000},
                        {"N": 1 << 23, "B": 1000}],
        tolerances={}, flops="N", bytes="4 * N + 4 * B",
        reference="tasks.histogram:histogram",
        framework_references={"torch": "tasks.torch_refs:histogram"}, generator="tasks.histogram:histogram_inputs",
        tags=["memory-bound", "atomics"],
    ),
]
