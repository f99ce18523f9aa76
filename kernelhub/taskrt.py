"""Task runtime: turn a Task (plain data) into inputs, references and counts.

Runs only in the harness (trusted) process: the reference never enters a
candidate's process.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping

import numpy as np

from kernelhub import expr
from kernelhub.errors import UserError
from kernelhub.models import FLOAT_DTYPES, Task, TensorSpec


def load_callable(path: str, what: str) -> Callable[..., Any]:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as e:
        raise UserError(f"cannot import {what} module {module_name!r}: {type(e).__name__}: {e}",
                        "check the task's import path") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise UserError(f"{what} {path!r} is not a callable in {module_name}", f"define `{attr}` there")
    return fn


def params_for(task: Task, shape: Mapping[str, int]) -> dict[str, int | float]:
    """Scalar params of one call, in signature order: fixed values or the shape's."""
    out: dict[str, int | float] = {}
    for p in task.signature.params:
        v = p.value if p.value is not None else shape[p.name]
        out[p.name] = int(v) if p.dtype.startswith("int") else float(v)
    return out


def dims_of(spec: TensorSpec, shape: Mapping[str, int]) -> tuple[int, ...]:
    try:
        return tuple(int(d) if isinstance(d, int) else int(shape[d]) for d in spec.dims)
    except KeyError as e:
        raise UserError(f"tensor {spec.name!r} uses dim {e.args[0]!r} that the shape does not bind",
                        "add it to every shape of the task") from None


def generate_inputs(task: Task, shape: Mapping[str, int], seed: int) -> dict[str, np.ndarray]:
    """Inputs for one call: the task's generator, or standard normal / small random ints."""
    rng = np.random.default_rng(seed)
    if task.generator:
        arrays = load_callable(task.generator, "generator")(rng, dict(shape))
        missing = {t.name for t in task.signature.inputs} - set(arrays)
        if missing:
            raise UserError(f"generator of task {task.name!r} returned no {sorted(missing)}",
                            "return a dict with every input by name")
    else:
        arrays = {}
        for t in task.signature.inputs:
            dims = dims_of(t, shape)
            if t.dtype in ("float32", "float64"):
                arrays[t.name] = rng.standard_normal(dims, dtype=t.dtype)
            elif t.dtype in FLOAT_DTYPES:
                arrays[t.name] = rng.standard_normal(dims)
            elif t.dtype == "bool":
                arrays[t.name] = rng.random(dims) < 0.5
            else:
                arrays[t.name] = rng.integers(0, 100, dims)
    out = {}
    for t in task.signature.inputs:
        a = np.ascontiguousarray(np.asarray(arrays[t.name]).astype(t.dtype, copy=False))
        want = dims_of(t, shape)
        if a.shape != want:
            raise UserError(f"generator of task {task.name!r} made {t.name} with shape {a.shape}, "
                            f"the signature says {want}", "fix the generator or the dims")
        out[t.name] = a
    return out


def reference_outputs(task: Task, inputs: Mapping[str, np.ndarray], shape: Mapping[str, int],
                      precision: str | None = None) -> dict[str, np.ndarray]:
    """Run the NumPy reference (in float64 where the task asks) and name its outputs."""
    fn = load_callable(task.reference, "reference")
    prec = precision or task.reference_precision
    args = {k: (v.astype(np.float64) if prec == "float64" and v.dtype.kind == "f" else v) for k, v in inputs.items()}
    result = fn(**args, **params_for(task, shape))
    outs = task.signature.outputs
    if isinstance(result, dict):
        named = result
    elif isinstance(result, (tuple, list)):
        named = {t.name: r for t, r in zip(outs, result)}
    else:
        named = {outs[0].name: result}
    final = {}
    for t in outs:
        if t.name not in named:
            raise UserError(f"reference of task {task.name!r} did not produce output {t.name!r}",
                            "return a dict, a tuple in output order, or one array")
        a = np.asarray(named[t.name])
        want = dims_of(t, shape)
        if a.shape != want:
            raise UserError(f"reference of task {task.name!r} gave {t.name} shape {a.shape}, signature says {want}",
                            "fix the reference or the output dims")
        final[t.name] = a if prec == "float64" and t.dtype in FLOAT_DTYPES else a.astype(t.dtype)
    return final


def counts(task: Task, shape: Mapping[str, int]) -> tuple[float, float]:
    """(FLOPs, bytes) of one call at this shape."""
    env = dict(shape) | {p.name: p.value for p in task.signature.params if p.value is not None}
    return float(expr.evaluate(task.flops, env)), float(expr.evaluate(task.bytes, env))


def output_specs(task: Task, shape: Mapping[str, int]) -> dict[str, tuple[tuple[int, ...], str]]:
    return {t.name: (dims_of(t, shape), t.dtype) for t in task.signature.outputs}
