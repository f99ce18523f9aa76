"""Exceptions from loading, tracing, lowering (Mosaic) and compiling a JAX candidate, mapped to
Diagnostics on the candidate's own file, line and column.

Where the line comes from, in order: the deepest candidate frame of the exception or of any
exception it was chained from (JAX attaches the user's stack at the failing operation as a
``JaxStackTraceBeforeTransformation`` cause); then a ``<path>:<line>`` the message names (Pallas
names the kernel that way); then the first candidate frame of the JAX equation the message names
(an unimplemented primitive in a Mosaic kernel); then the line of the first ``pallas_call``."""

from __future__ import annotations

import re
import traceback
from typing import Any, Iterator

from kernelhub.models import Diagnostic
from kernelhub.pymodule import candidate_frame, exception_chain as _chain
from kernelhub.pymodule import source_diagnostic as diagnostic  # noqa: F401  (the backend's name for it)

#: how JAX's own messages are shortened for an agent (the docs links stay)
MAX_MESSAGE = 1600


def message_of(e: BaseException, path: str, display: str) -> str:
    text = str(e)
    if "\n\nThe preceding stack trace" in text:
        text = text.split("\n\nThe preceding stack trace")[0]
    text = text.replace(path, display).strip()
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " ..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _named_line(e: BaseException, path: str) -> int | None:
    for exc in _chain(e):
        m = re.search(re.escape(path) + r":(\d+)", str(exc))
        if m:
            return int(m.group(1))
    return None


def from_exception(e: BaseException, path: str, display: str, source: str, during: str,
                   jaxpr: Any = None) -> tuple[Diagnostic, str]:
    """One error Diagnostic (on the candidate's line where one can be found) and the log."""
    line, col = candidate_frame(e, path)
    if line is None:
        line = _named_line(e, path)
    if line is None and jaxpr is not None:
        line = _line_from_jaxpr(jaxpr, str(e), path)
    msg = message_of(e, path, display)
    hint = _hint(e)
    text = f"{msg}\n({during}{'; ' + hint if hint else ''})"
    log = "".join(traceback.format_exception(type(e), e, e.__traceback__)).replace(path, display)[-4000:]
    return diagnostic(text, display, source, line, col), log


def _hint(e: BaseException) -> str:
    name = type(e).__name__
    if name in ("TracerArrayConversionError", "TracerBoolConversionError", "ConcretizationTypeError",
                "TracerIntegerConversionError"):
        return ("the entry function is traced by jax.jit: compute with jax.numpy/lax, not NumPy or Python "
                "control flow on array values (host-side NumPy compute is not allowed)")
    if "Mosaic" in str(e) or "Pallas TPU" in str(e):
        return "a Pallas TPU (Mosaic) lowering rule rejected the kernel"
    return ""


def _eqn_lines(jaxpr: Any, path: str) -> Iterator[tuple[str, int]]:
    """(primitive name, candidate line) for every equation, nested jaxprs included."""
    from jax.extend import core as jcore  # noqa: F401 - jaxpr types come from here
    for eqn in getattr(jaxpr, "eqns", []):
        tb = eqn.source_info.traceback
        line = None
        if tb is not None:
            for fr in tb.frames:
                if fr.file_name == path:
                    line = fr.line_num
                    break
        for sub in sub_jaxprs(eqn):
            for name, sl in _eqn_lines(sub, path):
                yield name, (sl if sl is not None else line)
        yield eqn.primitive.name, line


def sub_jaxprs(eqn: Any) -> Iterator[Any]:
    for v in eqn.params.values():
        for item in (v if isinstance(v, (tuple, list)) else (v,)):
            inner = getattr(item, "jaxpr", None)
            if inner is not None and hasattr(inner, "eqns"):
                yield inner
            elif hasattr(item, "eqns"):
                yield item


def _line_from_jaxpr(jaxpr: Any, text: str, path: str) -> int | None:
    m = re.search(r"primitive in Pallas TPU lowering for \w+: (\w+)", text)
    lines = list(_eqn_lines(jaxpr, path))
    if m:
        hit = next((ln for name, ln in lines if name == m.group(1) and ln is not None), None)
        if hit is not None:
            return hit
    return next((ln for name, ln in lines if name == "pallas_call" and ln is not None), None)
