"""Load a JAX candidate from a real temp file (so tracebacks and JAX's source info name its lines)
and check that its entry function takes the task's inputs and params."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from dataclasses import dataclass, field
from typing import Any

from kernelhub.models import Diagnostic, Signature

from kernelhub_jax.errors import diagnostic, from_exception


@dataclass
class Loaded:
    module: Any = None
    entry: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: str = ""


def abi_names(sig: Signature) -> list[str]:
    """A JAX entry takes inputs then params; outputs are returned, not passed."""
    return [t.name for t in sig.inputs] + [p.name for p in sig.params]


def load(path: str, modname: str, display: str, source: str, entry: str, sig: Signature) -> Loaded:
    out = Loaded()
    try:
        compile(source, path, "exec")
    except SyntaxError as e:
        out.diagnostics.append(diagnostic(f"{type(e).__name__}: {e.msg}", display, source, e.lineno, e.offset))
        return out
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
    except Exception as e:  # the candidate's import-time error, reported on its line
        d, log = from_exception(e, path, display, source, "while importing the module")
        out.diagnostics.append(d)
        out.log = log
        sys.modules.pop(modname, None)
        return out
    fn = getattr(mod, entry, None)
    want = abi_names(sig)
    if fn is None or not callable(fn):
        out.diagnostics.append(diagnostic(
            f"no entry function {entry!r}: define `def {entry}({', '.join(want)}):` returning the output"
            f"{'s' if len(sig.outputs) > 1 else ''} ({', '.join(t.name for t in sig.outputs)})",
            display, source, 1, 1))
        return out
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = None
    if params is not None:
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = [p for p in positional if p.default is p.empty]
        varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
        if not varargs and not (len(required) <= len(want) <= len(positional)):
            code = getattr(fn, "__code__", None)
            out.diagnostics.append(diagnostic(
                f"entry {entry!r} takes {len(positional)} argument(s) but is called with {len(want)}: "
                f"({', '.join(want)}) (inputs, then params, in signature order; outputs are returned)",
                display, source, code.co_firstlineno if code else 1))
            return out
    out.module, out.entry = mod, fn
    return out
