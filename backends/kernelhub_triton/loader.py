"""Load a Triton candidate from its real temp file and turn every failure into a Diagnostic
that names the author's file, line and column."""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from kernelhub.models import Diagnostic, Severity, Signature


@dataclass
class Loaded:
    module: Any = None
    entry: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: str = ""


def _diag(message: str, display: str, source: str, line: int | None = None, column: int | None = None,
          severity: Severity = Severity.error) -> Diagnostic:
    lines = source.splitlines()
    text = lines[line - 1] if line and 1 <= line <= len(lines) else None
    if column is None and text is not None and text.strip():
        column = len(text) - len(text.lstrip()) + 1
    return Diagnostic(severity=severity, message=message, file=display, line=line, column=column, source_line=text)


def _deepest_frame(tb: Any, path: str) -> tuple[int | None, int | None]:
    best: tuple[int | None, int | None] = (None, None)
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == path:
            col = None
            try:
                pos = list(code.co_positions())[tb.tb_lasti // 2]
                if pos[0] == tb.tb_lineno and pos[2] is not None:
                    col = pos[2] + 1
            except (IndexError, ValueError):
                pass
            best = (tb.tb_lineno, col)
        tb = tb.tb_next
    return best


def _is_jit(obj: Any) -> bool:
    return type(obj).__name__ in ("JITFunction", "InterpretedFunction", "Autotuner", "Heuristics")


def load(path: str, modname: str, display: str, source: str, entry: str, sig: Signature) -> Loaded:
    out = Loaded()
    try:
        compile(source, path, "exec")
    except SyntaxError as e:
        out.diagnostics.append(_diag(f"{type(e).__name__}: {e.msg}", display, source, e.lineno, e.offset))
        return out
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
    except BaseException as e:  # noqa: BLE001 - the candidate's import-time error
        if isinstance(e, KeyboardInterrupt):
            raise
        line, col = _deepest_frame(e.__traceback__, path)
        text = str(e).replace(path, display).splitlines()
        msg = f"{type(e).__name__}: {text[0] if text else ''}".rstrip(": ")
        out.diagnostics.append(_diag(msg + "\n(while importing the module)", display, source, line, col))
        out.log = "".join(traceback.format_exception(type(e), e, e.__traceback__)).replace(path, display)[-4000:]
        sys.modules.pop(modname, None)
        return out
    jits = [n for n, v in vars(mod).items() if _is_jit(v)]
    fn = getattr(mod, entry, None)
    if fn is None or not callable(fn) or _is_jit(fn):
        hint = (f" ({entry!r} is a @triton.jit kernel; add a plain Python host function that launches it)"
                if fn is not None and _is_jit(fn) else "")
        out.diagnostics.append(_diag(
            f"no host function {entry!r}{hint}: define `def {entry}({', '.join(_abi_names(sig))}):` that "
            "launches your @triton.jit kernels on the tensors it receives", display, source, 1, 1))
        return out
    if not jits:
        out.diagnostics.append(_diag("the module defines no @triton.jit kernel", display, source, 1, 1))
        return out
    try:
        params = inspect.signature(fn).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
        want = len(_abi_names(sig))
        required = [p for p in positional if p.default is p.empty]
        if not varargs and not (len(required) <= want <= len(positional)):
            line = fn.__code__.co_firstlineno
            out.diagnostics.append(_diag(
                f"host function {entry!r} takes {len(positional)} argument(s) but is called with {want}: "
                f"({', '.join(_abi_names(sig))}) (inputs, outputs, params in signature order)",
                display, source, line))
            return out
    except (TypeError, ValueError):
        pass
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
        return _diag(text, display, source)
    return _diag("Triton compile error: " + m.group(3), display, source,
                 int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None)
