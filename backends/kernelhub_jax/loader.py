"""Load a JAX candidate from a real temp file (so tracebacks and JAX's source info name its lines)
and check that its entry function takes the task's inputs and params."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kernelhub.models import Diagnostic, Signature
from kernelhub.pymodule import arity_error, import_candidate, source_diagnostic

from kernelhub_jax.errors import from_exception


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
    mod, out.diagnostics, out.log = import_candidate(path, modname, display, source, from_exception)
    if mod is None:
        return out
    fn = getattr(mod, entry, None)
    want = abi_names(sig)
    if fn is None or not callable(fn):
        out.diagnostics.append(source_diagnostic(
            f"no entry function {entry!r}: define `def {entry}({', '.join(want)}):` returning the output"
            f"{'s' if len(sig.outputs) > 1 else ''} ({', '.join(t.name for t in sig.outputs)})",
            display, source, 1, 1))
        return out
    bad = arity_error(fn, want, f"entry {entry!r}", "inputs, then params, in signature order; outputs are returned",
                      display, source)
    if bad:
        out.diagnostics.append(bad)
        return out
    out.module, out.entry = mod, fn
    return out
