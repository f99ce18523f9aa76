"""Row-wise normalizations: a reduction over each row, then an elementwise pass over it."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task
from kernelhub.taskdef import F32, const, dim, tensor


def logits(rng, shape):
    """Softmax rows with a realistic spread: per-row temperature (std 0.5 to 8, so some rows
    are flat and some peaked) and per-row offset in [-30, 100]. Offsets that large overflow
    exp() in float32 unless the row maximum is subtracted first, as any real softmax must."""
    m, n = shape["M"], shape["N"]
    scale = np.exp(rng.uniform(np.log(0.5), np.log(8.0), size=(m, 1)))
    offset = rng.uniform(-30.0, 100.0, size=(m, 1))
    return {"x": rng.standard_normal((m, n)) * scale + offset}


def activations(rng, shape):
    """Rows with a nonzero mean and a per-row scale, like a transformer's residual stream,
    and trained-looking affine parameters (weight near 1, small bias)."""
    m, n = shape["M"], shape["N"]
    mean = rng.normal(0.0, 2.0, size=(m, 1))
    std = np.exp(rng.uniform(np.log(0.25), np.log(4.0), size=(m, 1)))
    return {
        "x": rng.standard_normal((m, n)) * std + mean,
        "weight": 1.0 + 0.1 * rng.standard_normal(n),
        "bias": 0.1 * rng.standard_normal(n),
    }


def rms_activations(rng, shape):
    a = activations(rng, shape)
    return {"x": a["x"], "weight": a["weight"]}


def softmax(x, M, N):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def layernorm(x, weight, bias, M, N, eps):
    mean = x.mean(axis=1, keepdims=True)
    d = x - mean
    var = np.mean(d * d, axis=1, keepdims=True)
    return d / np.sqrt(var + eps) * weight + bias


def rmsnorm(x, weight, M, N, eps):
    ms = np.mean(x * x, axis=1, keepdims=True)
    return x / np.sqrt(ms + eps) * weight


_VISIBLE = [{"M": 2048, "N": 1024}, {"M": 512, "N": 4096}]
_HELDOUT = [{"M": 1, "N": 4096}, {"M": 1537, "N": 1000}, {"M": 3, "N": 100_003},
            {"M": 4099, "N": 7}, {"M": 4096, "N": 2048}]
#: softmax of a single element is 1 whatever the input, so only the norms get N = 1.
_SHAPES = dict(visible_shapes=_VISIBLE, heldout_shapes=_HELDOUT)
_SHAPES_N1 = dict(visible_shapes=_VISIBLE, heldout_shapes=_HELDOUT + [{"M": 7, "N": 1}])
_X = tensor("x", "float32", "M", "N")
_OUT = tensor("out", "float32", "M", "N")

TASKS = [
    Task(
        name="softmax", category="normalization",
        description="Softmax of each row of x[M, N]: out[i, j] = exp(x[i, j] - max_k x[i, k]) / "
                    "sum_k exp(x[i, k] - max_k x[i, k]). Rows hold logits up to ~130, so the kernel "
                    "must be numerically stable (subtract the row maximum).",
        signature={"inputs": [_X], "outputs": [_OUT], "params": [dim("M"), dim("N")]},
        **_SHAPES,
        tolerances=F32, flops="5 * M * N", bytes="8 * M * N",
        reference="tasks.normalization:softmax", generator="tasks.normalization:logits",
        framework_references={"torch": "tasks.torch_refs:softmax"},
    ),
    Task(
        name="layernorm", category="normalization",
        description="Layer normalization over each row of x[M, N]: mean = sum_j x[i, j] / N, "
                    "var = sum_j (x[i, j] - mean)^2 / N (biased), out[i, j] = (x[i, j] - mean) / "
                    "sqrt(var + eps) * weight[j] + bias[j], with eps = 1e-5.",
        signature={"inputs": [_X, tensor("weight", "float32", "N"), tensor("bias", "float32", "N")],
                   "outputs": [_OUT],
                   "params": [dim("M"), dim("N"), const("eps", 1e-5, description="variance epsilon")]},
        **_SHAPES_N1,
        tolerances=F32, flops="8 * M * N", bytes="8 * M * N + 8 * N",
        reference="tasks.normalization:layernorm", generator="tasks.normalization:activations",
        framework_references={"torch": "tasks.torch_refs:layernorm"},
    ),
    Task(
        name="rmsnorm", category="normalization",
        description="RMS normalization over each row of x[M, N]: out[i, j] = x[i, j] / "
                    "sqrt(sum_k x[i, k]^2 / N + eps) * weight[j], with eps = 1e-6.",
        signature={"inputs": [_X, tensor("weight", "float32", "N")], "outputs": [_OUT],
                   "params": [dim("M"), dim("N"), const("eps", 1e-6, description="mean-square epsilon")]},
        **_SHAPES_N1,
        tolerances=F32, flops="4 * M * N", bytes="8 * M * N + 4 * N",
        reference="tasks.normalization:rmsnorm", generator="tasks.normalization:rms_activations",
        framework_references={"torch": "tasks.torch_refs:rmsnorm"},
    ),
]
