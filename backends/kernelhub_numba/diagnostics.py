"""Turning Python and numba errors into short Diagnostics that point at the candidate's own
file and line: agents fix what they can locate, and numba's 80-line reports bury the cause."""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from types import TracebackType

from kernelhub.models import Diagnostic, Severity

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Locations numba writes into its messages: ``File "x.py", line 12:`` and ``... at /path/x.py (12)``.
_LOC = re.compile(r'File "(?P<f1>[^"]+)", line (?P<l1>\d+)|(?P<f2>[^\s()"\']+\.py) \((?P<l2>\d+)\)')
#: Where the useful head of a numba message ends and its noise begins.
_STOP = re.compile(r'^\s*(?:File "|There are \d+ candidate implementations|During: |- Of which|'
                   r'Rewrite failed|Raised from)')
_NOISE = re.compile(r"^\s*(?:Failed in \w+ mode pipeline|During: |<source elided>|\^)\s*")
MAX_LINES = 8
MAX_CHARS = 800


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


@dataclass
class SourceMap:
    """The candidate's real temp file, the name the author knows it by, and its lines."""

    path: str
    display: str
    source: str
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.source.splitlines()

    def is_candidate(self, filename: str) -> bool:
        if filename in (self.path, self.display):
            return True
        return os.path.normpath(os.path.join(os.getcwd(), filename)) == self.path

    def clean(self, text: str) -> str:
        """Numba colour codes off, and every spelling of the temp path replaced by the author's name."""
        def rename(m: re.Match[str]) -> str:
            f = m.group("f1") or m.group("f2")
            return m.group(0).replace(f, self.display) if self.is_candidate(f) else m.group(0)

        return _LOC.sub(rename, strip_ansi(text)).replace(self.path, self.display)

    def line_text(self, line: int | None) -> str | None:
        if line is None or not 1 <= line <= len(self.lines):
            return None
        return self.lines[line - 1]

    def diag(self, message: str, line: int | None = None, column: int | None = None,
             severity: Severity = Severity.error) -> Diagnostic:
        """A diagnostic in the candidate's file; column defaults to the statement's first character
        (where numba's caret points)."""
        text = self.line_text(line)
        if column is None and text is not None and text.strip():
            column = len(text) - len(text.lstrip()) + 1
        return Diagnostic(severity=severity, message=message, file=self.display, line=line,
                          column=column, source_line=text)

    def def_line(self, first_line: int) -> int:
        """The ``def`` line of a function whose code starts at ``first_line`` (its first decorator)."""
        for ln in range(first_line, min(first_line + 50, len(self.lines)) + 1):
            if re.match(r"\s*(?:async\s+)?def\s", self.lines[ln - 1]):
                return ln
        return first_line


def candidate_lines(text: str, sm: SourceMap) -> list[int]:
    """Lines of the candidate that a numba message names, innermost first, without repeats."""
    out: list[int] = []
    for m in _LOC.finditer(strip_ansi(text)):
        f, ln = (m.group("f1"), m.group("l1")) if m.group("f1") else (m.group("f2"), m.group("l2"))
        if sm.is_candidate(f) and int(ln) not in out:
            out.append(int(ln))
    return out


def headline(text: str) -> str:
    """The first meaningful lines of a numba message: what failed, not the overload catalogue."""
    kept: list[str] = []
    for raw in strip_ansi(text).splitlines():
        if _STOP.match(raw) and kept:
            break
        line = raw.rstrip()
        if not line.strip() or _NOISE.match(line):
            continue
        kept.append(line)
        if len(kept) >= MAX_LINES:
            break
    msg = "\n".join(kept).strip()
    msg = re.sub(r"\.*\s*Raised from \S+(?: \(\d+\))?\s*$", ".", msg)
    return msg if len(msg) <= MAX_CHARS else msg[:MAX_CHARS - 3] + "..."


def from_syntax_error(e: SyntaxError, sm: SourceMap) -> list[Diagnostic]:
    msg = f"{type(e).__name__}: {e.msg}"
    return [sm.diag(msg, e.lineno, e.offset if e.offset else None)]


def _deepest_candidate_frame(tb: TracebackType | None, sm: SourceMap) -> tuple[int | None, int | None]:
    """(line, column) of the innermost traceback frame that runs the candidate's file."""
    best: tuple[int | None, int | None] = (None, None)
    while tb is not None:
        code = tb.tb_frame.f_code
        if sm.is_candidate(code.co_filename):
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


def is_numba_error(e: BaseException) -> bool:
    return type(e).__module__.startswith("numba")


def from_numba_error(e: BaseException, sm: SourceMap, fallback_line: int | None,
                     stage: str) -> list[Diagnostic]:
    """A numba typing/lowering/unsupported error: the innermost candidate line it names is the
    error, the outer ones (call sites of the failing helper) are notes."""
    text = str(e)
    lines = candidate_lines(text, sm)
    loc = getattr(e, "loc", None)
    if not lines and loc is not None and sm.is_candidate(getattr(loc, "filename", "") or ""):
        lines = [loc.line]
    if not lines:
        tb_line, _ = _deepest_candidate_frame(e.__traceback__, sm)
        lines = [tb_line] if tb_line else ([fallback_line] if fallback_line else [])
    head = sm.clean(headline(text)) or type(e).__name__
    msg = f"{type(e).__name__}: {head}\n({stage})"
    if not lines:
        return [sm.diag(msg)]
    diags = [sm.diag(msg, lines[0])]
    diags += [sm.diag("the error above arises while compiling this line", ln, severity=Severity.note)
              for ln in lines[1:]]
    return diags


def from_exception(e: BaseException, sm: SourceMap, fallback_line: int | None, stage: str) -> list[Diagnostic]:
    """Any exception raised while importing or compiling the candidate."""
    if is_numba_error(e):
        return from_numba_error(e, sm, fallback_line, stage)
    line, col = _deepest_candidate_frame(e.__traceback__, sm)
    if line is None:
        line = fallback_line
    text = sm.clean(str(e))
    head = text.splitlines()[0] if text.strip() else ""
    msg = f"{type(e).__name__}: {head}" if head else type(e).__name__
    return [sm.diag(f"{msg}\n({stage})", line, col)]


def from_warnings(caught: list[warnings.WarningMessage], sm: SourceMap) -> list[Diagnostic]:
    """Numba's warnings (and the candidate's own), as warning diagnostics, without repeats."""
    out: list[Diagnostic] = []
    seen: set[str] = set()
    for w in caught:
        ours = sm.is_candidate(w.filename or "")
        if not ours and not type(w.message).__module__.startswith("numba"):
            continue
        text = str(w.message)
        lines = candidate_lines(text, sm)
        line = lines[0] if lines else (w.lineno if ours else None)
        msg = f"{w.category.__name__}: {sm.clean(headline(text))}"
        if msg in seen:
            continue
        seen.add(msg)
        out.append(sm.diag(msg, line, severity=Severity.warning))
    return out


def log_text(e: BaseException, sm: SourceMap) -> str:
    """The full story for the compile log: numba's whole message, or the traceback frames that
    ran the candidate's file, without kernelhub's and numba's own frames."""
    import traceback
    if is_numba_error(e):
        return sm.clean(str(e))
    frames = [f for f in traceback.extract_tb(e.__traceback__) if sm.is_candidate(f.filename)]
    head = "Traceback (candidate frames):\n" + "".join(traceback.format_list(frames)) if frames else ""
    return sm.clean(head + "".join(traceback.format_exception_only(type(e), e)))
