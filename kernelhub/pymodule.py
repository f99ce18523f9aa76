"""Candidates that are Python modules (Triton, JAX/Pallas): imported from a real file so that
tracebacks and the frameworks' source info name the author's lines, with every failure turned into a
Diagnostic on the candidate's own file, line and column."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from typing import Any, Callable, Iterator

from kernelhub.models import Diagnostic, Severity

#: (exception, path, display, source, what was happening) -> (diagnostic, log)
Describe = Callable[[BaseException, str, str, str, str], tuple[Diagnostic, str]]


def source_diagnostic(message: str, display: str, source: str, line: int | None = None, column: int | None = None,
                      severity: Severity = Severity.error) -> Diagnostic:
    """A Diagnostic on ``line`` of the candidate, quoting it; the column defaults to its first token."""
    lines = source.splitlines()
    text = lines[line - 1] if line and 1 <= line <= len(lines) else None
    if column is None and text is not None and text.strip():
        column = len(text) - len(text.lstrip()) + 1
    return Diagnostic(severity=severity, message=message, file=display, line=line, column=column, source_line=text)


def exception_chain(e: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def _frame_column(tb: Any) -> int | None:
    try:
        pos = list(tb.tb_frame.f_code.co_positions())[tb.tb_lasti // 2]
        if pos[0] == tb.tb_lineno and pos[2] is not None:
            return pos[2] + 1
    except (IndexError, ValueError, AttributeError):
        pass
    return None


def candidate_frame(e: BaseException, path: str) -> tuple[int | None, int | None]:
    """(line, column) of the deepest frame in the candidate's file across the exception chain."""
    for exc in exception_chain(e):
        best: tuple[int | None, int | None] = (None, None)
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == path:
                best = (tb.tb_lineno, _frame_column(tb))
            tb = tb.tb_next
        if best[0] is not None:
            return best
    return None, None


def describe_exception(e: BaseException, path: str, display: str, source: str, during: str) -> tuple[Diagnostic, str]:
    """The default description: the exception's first line, on the candidate's deepest frame."""
    line, col = candidate_frame(e, path)
    text = str(e).replace(path, display).splitlines()
    msg = f"{type(e).__name__}: {text[0] if text else ''}".rstrip(": ")
    log = "".join(traceback.format_exception(type(e), e, e.__traceback__)).replace(path, display)[-4000:]
    return source_diagnostic(f"{msg}\n({during})", display, source, line, col), log


def import_candidate(path: str, modname: str, display: str, source: str,
                     describe: Describe = describe_exception) -> tuple[Any, list[Diagnostic], str]:
    """(module or None, diagnostics, log): a syntax error or an import-time exception becomes a
    Diagnostic on its line instead of a traceback from deep inside the harness."""
    try:
        compile(source, path, "exec")
    except SyntaxError as e:
        return None, [source_diagnostic(f"{type(e).__name__}: {e.msg}", display, source, e.lineno, e.offset)], ""
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
    except BaseException as e:  # noqa: BLE001 - the candidate's import-time error
        if isinstance(e, KeyboardInterrupt):
            raise
        sys.modules.pop(modname, None)
        d, log = describe(e, path, display, source, "while importing the module")
        return None, [d], log
    return mod, [], ""


def arity_error(fn: Any, names: list[str], what: str, convention: str, display: str,
                source: str) -> Diagnostic | None:
    """A Diagnostic when ``fn`` cannot be called with ``len(names)`` positional arguments."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    if any(p.kind == p.VAR_POSITIONAL for p in params) or len(required) <= len(names) <= len(positional):
        return None
    code = getattr(fn, "__code__", None)
    return source_diagnostic(f"{what} takes {len(positional)} argument(s) but is called with {len(names)}: "
                             f"({', '.join(names)}) ({convention})", display, source,
                             code.co_firstlineno if code else 1)
