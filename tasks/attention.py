"""Single-head scaled dot-product attention."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32_ACCUM, dim, tensor


def attention(Q, K, V, S, D):
    s = np.matmul(Q, K.T) * (1.0 / np.sqrt(D))
    s -= s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    return np.matmul(p, V)


TASKS = [
    Task(
        name="attention", category="attention",
        description=("Single-head, non-causal scaled dot-product attention in fp32: "
                     "O = softmax(Q @ K^T / sqrt(D)) @ V, softmax over each row (over the S keys). "
                     "Q, K, V and O are [S, D], row-major and contiguous. No mask, no dropout. "
                     "FLOPs count the two matrix products only (4 * S * S * D)."),
        signature={"inputs": [tensor("Q", "float32", "S", "D"), tensor("K", "float32", "S", "D"),
                              tensor("V", "float32", "S", "D")],
                   "outputs": [tensor("O", "float32", "S", "D")],
                   "params": [dim("S", "sequence length (queries = keys)"), dim("D", "head dimension")]},
        visible_shapes=[{"S": 1024, "D": 64}, {"S": 512, "D": 128}],
        heldout_shapes=[{"S": 1, "D": 64}, {"S": 257, "D": 1}, {"S": 1537, "D": 80},
                        {"S": 2048, "D": 64}],
        tolerances=F32_ACCUM, flops="4 * S * S * D", bytes="4 * 4 * S * D",
        reference="tasks.attention:attention",
        framework_references={"torch": "tasks.torch_refs:attention"}, tags=["compute-bound", "softmax"],
    ),
]
