"""Activation functions: elementwise, memory-bound, with a transcendental per element."""

from __future__ import annotations

import numpy as np

from kernelhub.models import Task, Tolerance
from kernelhub.taskdef import F32, dim, tensor

_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))


def wide_normal(rng, shape):
    """Pre-activations spread over +-12 or so (std 2.5): covers the saturating tails,
    where formulations like tanh(u) = (e^2u - 1)/(e^2u + 1) overflow in float32."""
    return {"x": 2.5 * rng.standard_normal(shape["n"])}


def gelu(x, n):
    u = _SQRT_2_OVER_PI * (x + 0.044715 * (x * x * x))
    # 0.5 * x * (1 + tanh(u)) == x * sigmoid(2u); this form has no cancellation for negative x, where
    # 1 + tanh(u) loses all relative accuracy (and flushes to 0 below x ~ -7.2) even in float64
    with np.errstate(over="ignore"):
        return x / (1.0 + np.exp(-2.0 * u))


def silu(x, n):
    return x / (1.0 + np.exp(-x))


_SHAPES = dict(
    visible_shapes=[{"n": 1 << 20}, {"n": 1 << 21}],
    heldout_shapes=[{"n": 1}, {"n": 1_000_003}, {"n": 1 << 22}],
)
_SIG = {"inputs": [tensor("x", "float32", "n")], "outputs": [tensor("out", "float32", "n")],
        "params": [dim("n")]}

TASKS = [
    Task(
        name="gelu", category="activation",
        description="GELU, tanh approximation: out[i] = 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) "
                    "for x = x[i], i < n. Inputs reach |x| ~ 12, so the tanh must not overflow.",
        signature=_SIG, **_SHAPES,
        tolerances={"float32": Tolerance(atol=1e-5, rtol=1e-4, floor=1e-6)}, flops="9 * n", bytes="8 * n",
        reference="tasks.activation:gelu",
        framework_references={"torch": "tasks.torch_refs:gelu"}, generator="tasks.activation:wide_normal",
    ),
    Task(
        name="silu", category="activation",
        description="SiLU (swish): out[i] = x[i] / (1 + exp(-x[i])) = x[i] * sigmoid(x[i]) for i < n.",
        signature=_SIG, **_SHAPES,
        tolerances=F32, flops="4 * n", bytes="8 * n",
        reference="tasks.activation:silu",
        framework_references={"torch": "tasks.torch_refs:silu"}, generator="tasks.activation:wide_normal",
    ),
]
