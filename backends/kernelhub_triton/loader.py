"""Load a Triton candidate from its real temp file and turn every failure into a Diagnostic
that names the author's file, line and column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kernelhub.models import Diagnostic, Signature
from kernelhub.pymodule import arity_error, import_candidate, source_diagnostic


@dataclass
class Loaded:
    module: Any = None
    entry: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: str = ""


def _is_jit(obj: Any) -> bool:
    return type(obj).__name__ in ("JITFunction", "InterpretedFunction", "Autotuner", "Heuristics")


def load(path: str, modname: str, display: str, source: str, entry: str, sig: Signature) -> Loaded:
    out = Loaded()
    mod, out.diagnostics, out.log = import_candidate(path, modname, display, source)
    if mod is None:
        return out
    jits = [n for n, v in vars(mod).items() if _is_jit(v)]
    fn = getattr(mod, entry, None)
    if fn is None or not callable(fn) or _is_jit(fn):
        hint = (f" ({entry!r} is a @triton.jit kernel; add a plain Python host function that launches it)"
                if fn is not None and _is_jit(fn) else "")
        out.diagnostics.append(source_diagnostic(
            f"no host function {entry!r}{hint}: define `def {entry}({', '.join(_abi_names(sig))}):` that "
            "launches your @triton.jit kernels on the tensors it receives", display, source, 1, 1))
        return out
    if not jits:
        out.diagnostics.append(source_diagnostic("the module defines no @triton.jit kernel", display, source, 1, 1))
        return out
    bad = arity_error(fn, _abi_names(sig), f"host function {entry!r}", "inputs, outputs, params in signature order",
                      display, source)
    if bad:
        out.diagnostics.append(bad)
        return out
    out.module, out.entry = mod, fn
    return out


def _abi_names(sig: Signature) -> list[str]:
    return [t.name for t in sig.inputs] + [t.name for t in sig.outputs] + [p.name for p in sig.params]


def compile_error_text(e: BaseException, art: Any) -> str:
    """``LINE:COL: message`` of a Triton CompilationError raised by the JIT (GPU mode)."""
    from kernelhub_triton.aot import error_location
    line, col, msg = error_location(e, art.source)
    return f"{line or ''}:{col or ''}: {msg}"


_LOC = re.compile(r"^(\d*):(\d*): (.*)$", re.S)


def diag_from_text(text: str, display: str, source: str) -> Diagnostic:
    m = _LOC.match(text)
    if not m:
        return source_diagnostic(text, display, source)
    return source_diagnostic("Triton compile error: " + m.group(3), display, source,
                 int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None)
