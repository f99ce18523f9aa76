"""References and generators of imported KernelBench-format tasks, by import path.

``ref__<task>`` / ``gen__<task>`` resolve through this module's ``__getattr__`` from the
import folders named in ``KERNELHUB_IMPORTS`` (the environment reaches every harness,
reference and Ray worker process; problem files load by path, nothing goes on sys.path).
Runs in trusted processes only (harness, reference worker), never in a candidate's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

ENV = "KERNELHUB_IMPORTS"
_PROBLEMS: dict[str, tuple[Path, dict[str, Any]]] | None = None
_MODELS: dict[tuple[str, str], Any] = {}


def import_dirs() -> list[Path]:
    return [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p]


def problems() -> dict[str, tuple[Path, dict[str, Any]]]:
    """task name -> (import folder, metadata), from every folder in KERNELHUB_IMPORTS."""
    global _PROBLEMS
    if _PROBLEMS is None:
        from kernelhub.importers.kernelbench import read_index
        found: dict[str, tuple[Path, dict[str, Any]]] = {}
        for d in import_dirs():
            for name, meta in read_index(d).items():
                found.setdefault(name, (d, meta))
        _PROBLEMS = found
    return _PROBLEMS


def _problem(task: str) -> tuple[Any, dict[str, Any]]:
    from kernelhub.errors import UserError
    from kernelhub.importers.kernelbench import load_problem
    if task not in problems():
        raise UserError(f"imported task {task!r} is in none of the folders of {ENV}={os.environ.get(ENV, '')!r}",
                        f"set {ENV} to the folder `kernelhub import kernelbench` wrote")
    folder, meta = problems()[task]
    return load_problem(folder / meta["file"], f"kh_kb_{task}"), meta


def _model(task: str, precision: str) -> tuple[Any, dict[str, Any]]:
    key = (task, precision)
    if key not in _MODELS:
        import torch
        module, meta = _problem(task)
        torch.manual_seed(0)
        model = module.Model(*meta["init"]).eval()
        if precision == "float64":
            model = model.double()
        _MODELS[key] = (model, meta)
    return _MODELS[key]


def reference(task: str, arrays: dict[str, Any]) -> Any:
    """The module on the CPU with the given inputs and weights; numpy outputs."""
    import torch
    from torch.func import functional_call
    _, meta = problems()[task]
    model, meta = _model(task, meta["precision"])
    args = [torch.from_numpy(arrays[n]) for n in meta["inputs"]]
    weights = {dotted: torch.from_numpy(arrays[safe]) for safe, dotted in meta["weights"].items()}
    if meta["precision"] == "float64":
        weights = {k: (v.double() if v.is_floating_point() else v) for k, v in weights.items()}
    with torch.no_grad():
        out = functional_call(model, weights, tuple(args))
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    res = [o.detach().cpu().numpy() for o in outs]
    return res[0] if len(res) == 1 else tuple(res)


def generate(task: str, rng: Any, shape: dict[str, int]) -> dict[str, Any]:
    """Inputs at a shape: get_inputs() itself (seeded) at the visible shape, else draws that
    imitate its values; weights from a freshly seeded Model(*get_init_inputs())."""
    import numpy as np
    import torch
    module, meta = _problem(task)
    seed = int(rng.integers(0, 2**31 - 1))
    torch.manual_seed(seed)
    tensors: dict[str, Any] = {}
    spec = meta["task"]["signature"]["inputs"]
    if all(shape.get(k) == v for k, v in meta["visible"].items()):
        for n, x in zip(meta["inputs"], module.get_inputs()):
            tensors[n] = x.detach().numpy()
    else:
        for n, dist, t in zip(meta["inputs"], meta["generators"], spec):
            dims = tuple(shape[d] if isinstance(d, str) else d for d in t["dims"])
            tensors[n] = _draw(rng, dist, dims)
    torch.manual_seed(seed)
    from kernelhub.importers.kernelbench import weights_of
    model = module.Model(*meta["init"])
    for safe, dotted in meta["weights"].items():
        tensors[safe] = weights_of(model)[dotted].detach().numpy().copy()
    return {k: np.ascontiguousarray(v) for k, v in tensors.items()}


def _draw(rng: Any, dist: dict[str, Any], dims: tuple[int, ...]) -> Any:
    kind = dist["kind"]
    if kind == "bool":
        return rng.random(dims) < dist["p"]
    if kind == "int":
        return rng.integers(dist["low"], dist["high"] + 1, dims)
    if kind == "uniform":
        return rng.uniform(dist["low"], dist["high"], dims)
    return rng.normal(dist["mean"], dist["std"], dims)


def __getattr__(name: str) -> Callable[..., Any]:
    """``ref__<task>(**arrays, **params)`` and ``gen__<task>(rng, shape)``."""
    kind, _, task = name.partition("__")
    if kind == "ref" and task:
        return lambda **kw: reference(task, kw)
    if kind == "gen" and task:
        return lambda rng, shape: generate(task, rng, shape)
    raise AttributeError(name)
