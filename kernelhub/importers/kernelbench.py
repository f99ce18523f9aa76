"""Import problems in KernelBench's format (a ``torch.nn.Module`` named ``Model``,
``get_inputs()``, ``get_init_inputs()``) as kernelhub tasks.

What a problem becomes:

- **signature**: one input per tensor of ``get_inputs()`` (named after ``forward``'s
  arguments), then the module's parameters and float buffers (a kernel needs the weights:
  they are inputs, drawn fresh per seed); dims are symbols, extents equal at import share
  one symbol; outputs come from running the module on the ``meta`` device. Every free
  symbol is also an int64 param, as in the native suite.
- **shapes**: ``get_inputs()``'s as the visible shape; held-out shapes scale every dim
  that may change (found by trying each symbol alone on ``meta``; dims tied to the
  constructor's arguments stay fixed ints).
- **reference**: the module on the CPU, in float64 when the module runs in float64,
  else in its native dtype; **counts**: FLOPs from ``torch.utils.flop_counter`` per shape
  (carried in the shape as ``kb_flops``), ``flops="0"`` with the tag ``flops_unknown``
  where the counter sees none (elementwise ops); bytes = every input and output once.

Where it lives: the importer writes a folder (``OUT/kernelbench.json`` + a copy of each
problem file). Processes find it through ``KERNELHUB_IMPORTS`` (folders, ``os.pathsep``
separated): the plugin :mod:`kernelhub.importers.plugin` registers its tasks and the
task's reference and generator are ``kernelhub.importers.runtime:ref__<task>`` /
``gen__<task>``, which resolve from the same folders. Environment variables reach
every worker and reference process (and Ray nodes, which the Ray executor forwards
them to), and nothing is put on ``sys.path``: problem files load by file path.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import shutil
import sys
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernelhub.errors import UserError
from kernelhub.models import Signature, Task, TensorSpec, Tolerance
from kernelhub.taskdef import dim

FORMAT = "kernelhub-kernelbench-import/1"
INDEX = "kernelbench.json"
TOLERANCES = {"float32": Tolerance(atol=1e-4, rtol=1e-3), "float16": Tolerance(atol=1e-2, rtol=1e-2),
              "float64": Tolerance(atol=1e-7, rtol=1e-6)}
_DTYPES = {"float16": "float16", "float32": "float32", "float64": "float64", "int8": "int8", "int16": "int16",
           "int32": "int32", "int64": "int64", "uint8": "uint8", "bool": "bool"}


class ProblemError(UserError):
    """A problem file that cannot become a task; the message names the file and the fix."""


@dataclass
class ImportReport:
    tasks: list[Task] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # file -> message
    out: Path | None = None


def task_name(path: Path) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    return f"kb_{stem or 'problem'}"


def load_problem(path: Path, module_name: str | None = None) -> Any:
    """Execute a problem file as a module (by path; nothing added to sys.path)."""
    name = module_name or f"kh_kb_{task_name(path)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProblemError(f"{path}: not a Python file", "pass .py problem files")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        line = _line_in(e, path)
        raise ProblemError(f"{path}{line}: the file fails to load: {type(e).__name__}: {e}",
                           "fix the error so the file runs with plain `python`") from None
    return module


def _line_in(e: BaseException, path: Path) -> str:
    import traceback
    frames = [f for f in traceback.extract_tb(e.__traceback__) if Path(f.filename) == path]
    return f":{frames[-1].lineno}" if frames else ""


def problem_parts(path: Path, module: Any) -> tuple[Any, list[Any], list[Any]]:
    """(Model class, inputs, init inputs) with every bad-input case named."""
    import torch

    model_cls = getattr(module, "Model", None)
    if not (isinstance(model_cls, type) and issubclass(model_cls, torch.nn.Module)):
        found = sorted(k for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, torch.nn.Module)
                       and v.__module__ == module.__name__)
        raise ProblemError(f"{path}: no class `Model` (a torch.nn.Module)" + (f"; found {found}" if found else ""),
                           "name the reference module `Model`, as KernelBench does")
    for fn in ("get_inputs",):
        if not callable(getattr(module, fn, None)):
            raise ProblemError(f"{path}: no function `{fn}()`", "define it to return the forward's input tensors")
    init_fn = getattr(module, "get_init_inputs", None)
    torch.manual_seed(0)
    try:
        init = list(init_fn()) if callable(init_fn) else []
    except Exception as e:
        raise ProblemError(f"{path}{_line_in(e, path)}: get_init_inputs() raised {type(e).__name__}: {e}",
                           "make it return the constructor arguments of Model") from None
    try:
        inputs = list(module.get_inputs())
    except Exception as e:
        raise ProblemError(f"{path}{_line_in(e, path)}: get_inputs() raised {type(e).__name__}: {e}",
                           "make it return a list of tensors that runs on the CPU") from None
    if not inputs:
        raise ProblemError(f"{path}: get_inputs() returned no inputs", "return the forward's input tensors")
    for i, x in enumerate(inputs):
        if not isinstance(x, torch.Tensor):
            raise ProblemError(f"{path}: input {i} of get_inputs() is a {type(x).__name__} ({x!r:.40}), not a tensor",
                               "kernelhub inputs are arrays: pass scalars to Model's constructor through "
                               "get_init_inputs() (or make the value a 0-d tensor)")
        if _dtype(x.dtype) is None:
            raise ProblemError(f"{path}: input {i} of get_inputs() has dtype {x.dtype}, which kernelhub has no "
                               f"name for", f"use one of {', '.join(_DTYPES)}")
    return model_cls, inputs, init


def _dtype(tdtype: Any) -> str | None:
    return _DTYPES.get(str(tdtype).removeprefix("torch."))


def _arg_names(model: Any, n: int) -> list[str]:
    try:
        params = [p for p in inspect.signature(model.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        names = [re.sub(r"\W", "_", p.name) for p in params][:n]
    except (TypeError, ValueError):
        names = []
    names += [f"in{i}" for i in range(len(names), n)]
    return names


def weights_of(model: Any) -> dict[str, Any]:
    """Parameters and float buffers by their dotted names: the inputs beyond get_inputs()."""
    out = dict(model.named_parameters())
    out |= {k: v for k, v in model.named_buffers() if v.is_floating_point()}
    return out


def _safe(name: str) -> str:
    return "w_" + re.sub(r"\W", "_", name)


def meta_outputs(model_meta: Any, tensors: list[Any]) -> list[tuple[tuple[int, ...], str]] | None:
    """Output shapes and dtypes of the module on meta tensors (None: it does not run)."""
    import torch
    try:
        with torch.no_grad():
            out = model_meta(*[torch.empty(t.shape, dtype=t.dtype, device="meta") for t in tensors])
    except Exception:
        return None
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    if not all(isinstance(o, torch.Tensor) for o in outs):
        return None
    return [(tuple(o.shape), _dtype(o.dtype) or "") for o in outs]


def count_flops(model_meta: Any, tensors: list[Any]) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            model_meta(*[torch.empty(t.shape, dtype=t.dtype, device="meta") for t in tensors])
        return int(fc.get_total_flops())
    except Exception:
        return 0


class _ShapeProbe:
    """Input tensors at a binding of the symbols (meta only; values never matter)."""

    def __init__(self, inputs: list[Any], dims: list[list[str | int]]) -> None:
        self.inputs, self.dims = inputs, dims

    def at(self, shape: dict[str, int]) -> list[Any]:
        import torch
        return [torch.empty([shape[d] if isinstance(d, str) else d for d in dims], dtype=x.dtype, device="meta")
                for x, dims in zip(self.inputs, self.dims)]


def analyse(path: Path) -> tuple[Task, dict[str, Any]]:
    """One problem file -> (Task, runtime metadata). Raises ProblemError."""
    import torch

    module = load_problem(path)
    model_cls, inputs, init = problem_parts(path, module)
    name = task_name(path)
    try:
        torch.manual_seed(0)
        model = model_cls(*init).eval()
    except Exception as e:
        raise ProblemError(f"{path}{_line_in(e, path)}: Model(*get_init_inputs()) raised {type(e).__name__}: {e}",
                           "make get_init_inputs() return Model's constructor arguments") from None
    arg_names = _arg_names(model, len(inputs))
    weights = weights_of(model)
    model_meta = copy.deepcopy(model).to("meta")

    # symbols: one per distinct extent of the forward's inputs
    symbols: dict[int, str] = {}
    dims: list[list[str | int]] = []
    for arg, x in zip(arg_names, inputs):
        row: list[str | int] = []
        for axis, v in enumerate(x.shape):
            row.append(symbols.setdefault(int(v), f"{arg}_d{axis}"))
        dims.append(row)
    visible = {s: v for v, s in symbols.items()}
    probe = _ShapeProbe(inputs, dims)
    base = meta_outputs(model_meta, probe.at(visible))
    if base is None:
        raise ProblemError(f"{path}: Model.forward does not run on the inputs of get_inputs() (checked with "
                           "torch's meta device)", "make `Model(*get_init_inputs())(*get_inputs())` run")
    free = [s for s, v in visible.items() if v > 1 and meta_outputs(model_meta, probe.at(visible | {s: v * 2 + 1}))]
    fixed = set(visible) - set(free)
    dims = [[visible[d] if isinstance(d, str) and d in fixed else d for d in row] for row in dims]
    probe = _ShapeProbe(inputs, dims)
    visible = {s: visible[s] for s in free}
    heldout = []
    for scale in (lambda v: max(1, (v // 3) | 1), lambda v: v + v // 4 + 1):
        cand = {s: scale(v) for s, v in visible.items()}
        if cand != visible and cand not in heldout and meta_outputs(model_meta, probe.at(cand)) is not None:
            heldout.append(cand)
    shapes = [visible] + heldout
    outs_at = [meta_outputs(model_meta, probe.at(s)) for s in shapes]

    # outputs: a dim that follows an input symbol at every shape is that symbol, else its own symbol
    out_specs, out_extra = [], [dict() for _ in shapes]
    for k, (oshape, odtype) in enumerate(base):
        oname = "out" if len(base) == 1 else f"out{k}"
        if not odtype:
            raise ProblemError(f"{path}: output {k} has a dtype kernelhub has no name for", "return float or int tensors")
        odims: list[str | int] = []
        for axis in range(len(oshape)):
            vals = [o[k][0][axis] for o in outs_at]  # type: ignore[index]
            same = [s for s in free if all(sh[s] == v for sh, v in zip(shapes, vals))]
            if same:
                odims.append(same[0])
            elif len(set(vals)) == 1:
                odims.append(vals[0])
            else:
                sym = f"{oname}_d{axis}"
                odims.append(sym)
                for extra, v in zip(out_extra, vals):
                    extra[sym] = v
        out_specs.append(TensorSpec(name=oname, dtype=odtype, dims=odims))  # type: ignore[arg-type]
    shapes = [s | e for s, e in zip(shapes, out_extra)]

    in_specs = [TensorSpec(name=a, dtype=_dtype(x.dtype), dims=d) for a, x, d in zip(arg_names, inputs, dims)]  # type: ignore[arg-type]
    in_specs += [TensorSpec(name=_safe(k), dtype=_dtype(w.dtype), dims=list(w.shape),  # type: ignore[arg-type]
                            description=f"Model's `{k}`") for k, w in weights.items()]
    params = [dim(s) for s in free] + [dim(s) for s in out_extra[0]]

    flops = [count_flops(model_meta, probe.at(s)) for s in shapes]
    tags = ["kernelbench"]
    if all(f > 0 for f in flops):
        for s, f in zip(shapes, flops):
            s["kb_flops"] = f
        flops_expr = "kb_flops"
    else:
        flops_expr, tags = "0", tags + ["flops_unknown"]
    nbytes = " + ".join(f"{_itemsize(t.dtype)}" + "".join(f" * {d}" for d in t.dims) for t in in_specs + out_specs)

    precision = _reference_precision(path, model, inputs)
    meta = {"file": path.name, "inputs": arg_names, "weights": {_safe(k): k for k in weights},
            "init": _jsonable(init), "visible": shapes[0], "generators": [_distribution(x) for x in inputs],
            "precision": precision}
    task = Task(
        name=name, category="kernelbench", description=(module.__doc__ or f"{model_cls.__name__} from {path.name}")
        .strip().splitlines()[0] + f" (imported from KernelBench-format file {path.name})",
        signature=Signature(inputs=in_specs, outputs=out_specs, params=params),
        visible_shapes=[shapes[0]], heldout_shapes=shapes[1:],
        tolerances={t.dtype: TOLERANCES[t.dtype] for t in out_specs if t.dtype in TOLERANCES},
        flops=flops_expr, bytes=nbytes or "0",
        reference=f"kernelhub.importers.runtime:ref__{name}", generator=f"kernelhub.importers.runtime:gen__{name}",
        reference_precision=precision, tags=tags, source="kernelbench-import")
    return task, meta


def _itemsize(dtype: str) -> int:
    import numpy as np
    return np.dtype(dtype).itemsize


def _jsonable(init: list[Any]) -> list[Any]:
    out = []
    for v in init:
        if isinstance(v, (bool, int, float, str)) or v is None:
            out.append(v)
        elif isinstance(v, (list, tuple)) and all(isinstance(x, (int, float)) for x in v):
            out.append(list(v))
        else:
            out.append({"unsupported": repr(v)[:60]})
    return out


def _distribution(x: Any) -> dict[str, Any]:
    """How to draw this input at another shape, imitating get_inputs()'s values."""
    import torch
    if x.dtype == torch.bool:
        return {"kind": "bool", "p": float(x.float().mean())}
    if not x.is_floating_point():
        return {"kind": "int", "low": int(x.min()), "high": int(x.max())}
    lo, hi = float(x.min()), float(x.max())
    if lo >= 0:
        return {"kind": "uniform", "low": 0.0, "high": hi if hi > 0 else 1.0}
    return {"kind": "normal", "mean": float(x.double().mean()), "std": float(x.double().std()) or 1.0}


def _reference_precision(path: Path, model: Any, inputs: list[Any]) -> str:
    import torch
    with torch.no_grad():
        try:
            m64 = copy.deepcopy(model).double()
            m64(*[x.double() if x.is_floating_point() else x for x in inputs])
            return "float64"
        except Exception:
            pass
        try:
            model(*inputs)
        except Exception as e:
            raise ProblemError(f"{path}{_line_in(e, path)}: Model.forward raised {type(e).__name__}: {e} on the "
                               "inputs of get_inputs()", "make `Model(*get_init_inputs())(*get_inputs())` run on "
                               "the CPU") from None
    return "native"


def import_problems(paths: list[Path], out: Path) -> ImportReport:
    """Import every problem file (a folder means its *.py); a bad file is reported and
    skipped, the others still import. Writes ``out/kernelbench.json`` and ``out/problems/``."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.glob("*.py") if not f.name.startswith("_"))
        elif p.exists():
            files.append(p)
        else:
            raise UserError(f"{p} does not exist", "pass KernelBench-format .py files or folders of them")
    report = ImportReport(out=out)
    entries: dict[str, Any] = {}
    for f in files:
        try:
            task, meta = analyse(f.resolve())
        except UserError as e:
            report.errors[str(f)] = str(e)
            continue
        if task.name in entries:
            report.errors[str(f)] = f"{f}: task name {task.name} already taken by {entries[task.name]['file']}; rename it"
            continue
        (out / "problems").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, out / "problems" / f.name)
        meta["file"] = f"problems/{f.name}"
        entries[task.name] = meta | {"task": task.model_dump(mode="json")}
        report.tasks.append(task)
    out.mkdir(parents=True, exist_ok=True)
    (out / INDEX).write_text(json.dumps({"format": FORMAT, "problems": entries}, indent=1))
    return report


def read_index(folder: Path) -> dict[str, Any]:
    path = folder / INDEX
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"{path}: not a kernelhub KernelBench import ({e})",
                        "run `kernelhub import kernelbench PATH --out DIR` and point KERNELHUB_IMPORTS at DIR") from None
    if data.get("format") != FORMAT:
        raise UserError(f"{path}: format {data.get('format')!r}, expected {FORMAT!r}", "re-import the problems")
    return data["problems"]


if __name__ == "__main__":  # pragma: no cover - a quick manual check
    rep = import_problems([Path(a) for a in sys.argv[2:]], Path(sys.argv[1]))
    print([t.name for t in rep.tasks], rep.errors)
