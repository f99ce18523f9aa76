"""Indexed memory access: row gather (embedding lookup) and scatter-add."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32, F32_ACCUM, dim, tensor


def embedding_gather(table, idx, V, D, N):
    return table[idx.astype(np.int64)]


def embedding_inputs(rng: np.random.Generator, shape: dict[str, int]) -> dict[str, np.ndarray]:
    V, D, N = shape["V"], shape["D"], shape["N"]
    return {"table": rng.standard_normal((V, D), dtype=np.float32),
            "idx": rng.integers(0, V, N, dtype=np.int32)}


def scatter_add(values, idx, N, B):
    return np.bincount(idx.astype(np.int64), weights=values, minlength=B)


def scatter_inputs(rng: np.random.Generator, shape: dict[str, int]) -> dict[str, np.ndarray]:
    N, B = shape["N"], shape["B"]
    return {"values": rng.standard_normal(N, dtype=np.float32),
            "idx": rng.integers(0, B, N, dtype=np.int32)}


TASKS = [
    Task(
        name="embedding_gather", category="gather_scatter",
        description=("Embedding lookup (row gather): out[n, :] = table[idx[n], :] for n < N. "
                     "idx is int32 with every entry in [0, V); indices repeat. table and out are "
                     "row-major and contiguous. Bytes count the distinct rows at most once."),
        signature={"inputs": [tensor("table", "float32", "V", "D"), tensor("idx", "int32", "N")],
                   "outputs": [tensor("out", "float32", "N", "D")],
                   "params": [dim("V", "rows of the table (vocabulary)"), dim("D", "row length"),
                              dim("N", "number of lookups")]},
        visible_shapes=[{"V": 16384, "D": 256, "N": 8192}, {"V": 100_000, "D": 64, "N": 32768}],
        heldout_shapes=[{"V": 1, "D": 1, "N": 1}, {"V": 1, "D": 64, "N": 3000},
                        {"V": 100_003, "D": 257, "N": 1537}, {"V": 5000, "D": 1, "N": 100_000},
                        {"V": 40000, "D": 300, "N": 16000}],
        tolerances=F32, flops="N * D", bytes="4 * N + 4 * min(N, V) * D + 4 * N * D",
        reference="tasks.gather_scatter:embedding_gather",
        framework_references={"torch": "tasks.torch_refs:embedding_gather"}, generator="tasks.gather_scatter:embedding_inputs",
        tags=["memory-bound", "gather"],
    ),
    Task(
        name="scatter_add", category="gather_scatter",
        description=("Scatter-add: out[b] = sum of values[i] over all i < N with idx[i] == b, for b < B "
                     "(0 where no index hits b). idx is int32 with every entry in [0, B); indices repeat, so "
                     "concurrent updates of one bin must not be lost. out arrives poisoned: the kernel must "
                     "initialise it. Summation order is free (fp32 rounding is within tolerance)."),
        signature={"inputs": [tensor("values", "float32", "N"), tensor("idx", "int32", "N")],
                   "outputs": [tensor("out", "float32", "B")],
                   "params": [dim("N", "number of values"), dim("B", "number of bins")]},
        visible_shapes=[{"N": 1 << 20, "B": 4096}, {"N": 1 << 21, "B": 1 << 18}],
        heldout_shapes=[{"N": 1, "B": 1}, {"N": 100_003, "B": 7}, {"N": 1537, "B": 100_000},
                        {"N": 1 << 22, "B": 65537}],
        tolerances=F32_ACCUM, flops="N", bytes="8 * N + 4 * B",
        reference="tasks.gather_scatter:scatter_add",
        framework_references={"torch": "tasks.torch_refs:scatter_add"}, generator="tasks.gather_scatter:scatter_inputs",
        tags=["memory-bound", "atomics", "scatter"],
    ),
]
