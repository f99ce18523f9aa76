"""Compiler logs -> Diagnostics: one parser for every gcc/clang-style toolchain.

OpenCL runtimes built on clang (PoCL, NVIDIA's), gcc, clang, hipcc and nvcc's
host pass all print ``file:line[:col]: severity: message``; nvcc's device front end
(EDG) prints ``file(line): severity[ #NNN-D]: message`` followed by the source line
and a caret under the column, which gives the column here. Backends pass the
paths the compiler saw for the candidate (a temp file, ``<source>``, ``input.cl``)
and get diagnostics naming the author's file, with the author's source line.
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Iterable

from kernelhub.models import Diagnostic, Severity

_LINE = re.compile(
    r"^(?:(?P<sev1>fatal error|error|warning|note):\s*)?(?P<file>[^:\n]*):(?P<line>\d+):(?:(?P<col>\d+):)?\s*"
    r"(?:(?P<sev2>fatal error|error|warning|note):\s*)?(?P<msg>.*)$")
#: nvcc / EDG: ``k.cu(12): error: msg`` or ``k.cu(4): warning #177-D: msg``.
_EDG = re.compile(r"^(?P<file>[^\n(]*)\((?P<line>\d+)\):\s*(?P<sev2>fatal error|error|warning|note|remark)"
                  r"(?:\s*#[\w-]+)?:\s*(?P<msg>.*)$")
_SEVERITY = {"remark": Severity.note, "fatal error": Severity.error, "error": Severity.error, "warning": Severity.warning,
             "note": Severity.note}


def parse_compiler_log(log: str, display_name: str, source: str,
                       compiled_as: Iterable[str] = (), every_file_is_candidate: bool = False) -> list[Diagnostic]:
    """Diagnostics from a gcc/clang-style log. A message is the candidate's when its file is
    one of ``compiled_as`` (or has the same basename), the display name, or empty/``<source>``;
    messages in other files (a system header) keep that file's name and get no source line.
    Lines without a severity are context (the source echo, the caret) and are skipped.
    ``every_file_is_candidate``: for runtimes that compile a cached copy under a path of
    their own (PoCL) and have no includes of their own to report on."""
    lines = source.splitlines()
    mine_paths = set(compiled_as) | {display_name, "", "<source>", "<stdin>"}
    mine_bases = {os.path.basename(p) for p in compiled_as if p}
    out: list[Diagnostic] = []
    raws = log.splitlines()
    for k, raw in enumerate(raws):
        edg = _EDG.match(raw.strip())
        m = edg or _LINE.match(raw.strip())
        if not m or not (m.groupdict().get("sev1") or m.group("sev2")):
            continue
        f = m.group("file")
        mine = every_file_is_candidate or f in mine_paths or os.path.basename(f) in mine_bases
        line = int(m.group("line"))
        col = int(m.group("col")) if not edg and m.group("col") else None
        if edg and mine and 1 <= line <= len(lines):
            col = _caret_column(raws[k + 1:k + 3], lines[line - 1])
        out.append(Diagnostic(
            severity=_SEVERITY[m.groupdict().get("sev1") or m.group("sev2")], message=m.group("msg").strip(),
            file=display_name if mine else f, line=line, column=col,
            source_line=lines[line - 1] if mine and 1 <= line <= len(lines) else None))
    return out


def _caret_column(following: list[str], source_line: str) -> int | None:
    """EDG echoes the source line (indented by a prefix of its own) and puts ``^`` under the
    column on the next line: the 1-based column in the author's line."""
    if len(following) < 2 or following[1].strip() != "^":
        return None
    echo, caret = following[0], following[1]
    if not source_line.strip() or not echo.rstrip().endswith(source_line.rstrip()):
        return None
    prefix = len(echo.rstrip()) - len(source_line.rstrip())
    col = caret.index("^") - prefix + 1
    return col if 1 <= col <= len(source_line) + 1 else None


def run_compiler(cmd: list[str], tool: str, src: str, display_name: str, source: str, timeout: float = 300,
                 cwd: str | None = None) -> tuple[bool, list[Diagnostic], str, str]:
    """Run one compiler over the candidate written at ``src``: (ok, diagnostics on the candidate's
    lines, log with ``src`` shown as the display name, raw output). A failure always carries at
    least one error, with the log's tail when the compiler printed nothing parseable."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return False, [Diagnostic(severity=Severity.error, file=display_name,
                                  message=f"{tool} timed out after {timeout:g} s")], "", ""
    except (OSError, RuntimeError) as e:
        return False, [Diagnostic(severity=Severity.error, file=display_name, message=f"{tool}: {e}")], "", ""
    raw = r.stdout + r.stderr
    log = raw.replace(src, display_name)
    diags = parse_compiler_log(raw, display_name, source, compiled_as=[src])
    if r.returncode != 0 and not any(d.severity == Severity.error for d in diags):
        diags.append(Diagnostic(severity=Severity.error, file=display_name, message=f"{tool} failed: {log.strip()[-1500:]}"))
    return r.returncode == 0, diags, log, raw
