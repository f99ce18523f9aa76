"""The toolchain side of the C backend: find the compiler, build a shared library,
turn the compiler's diagnostics into kernelhub Diagnostics, list a library's symbols.

Nothing here knows about kernelhub's pipeline; a vendor porting this template to
another toolchain (a cross compiler, an offline kernel compiler) rewrites this file
and keeps ``backend.py`` almost as it is.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kernelhub.diagnostics import parse_compiler_log
from kernelhub.models import Diagnostic, Severity

#: Flags every candidate gets; the candidate's ``options["cflags"]`` follow the source file.
#: ``-include stdint.h`` makes ``int64_t`` available without an #include; ``-Wl,-z,defs``
#: turns a call to an undefined function into a link error here, not a load error later.
BASE_FLAGS = ["-O3", "-march=native", "-shared", "-fPIC", "-Wall", "-fdiagnostics-color=never",
              "-include", "stdint.h"]
LINK_FLAGS = ["-Wl,-z,defs", "-lm"]
COMPILE_TIMEOUT_S = 120

#: ``file:line:col: severity: message`` (column optional), as gcc and clang print them.
_UNDEFINED = re.compile(r"undefined reference to [`'](?P<sym>[^'`]+)'")


def find_compiler() -> str | None:
    """``$CC`` if set and found, else the first of cc, gcc, clang on PATH."""
    for name in ([os.environ["CC"]] if os.environ.get("CC") else []) + ["cc", "gcc", "clang"]:
        path = shutil.which(name)
        if path:
            return path
    return None


@lru_cache(maxsize=4)
def compiler_version(cc: str) -> str:
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as e:
        return f"{cc}: unknown version ({type(e).__name__})"
    return out.splitlines()[0].strip() if out else f"{cc}: unknown version"


def user_flags(value: object) -> list[str]:
    """The candidate's extra flags: a string (shell-split) or a list of strings."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return shlex.split(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"options['cflags'] must be a string or a list of strings, got {value!r}")


@dataclass
class BuildResult:
    ok: bool
    diagnostics: list[Diagnostic]
    log: str
    library: Path | None = None
    workdir: Path | None = None
    command: list[str] = field(default_factory=list)


def build_shared(cc: str, source: str, display_name: str, cflags: list[str]) -> BuildResult:
    """Compile ``source`` into a shared library in a fresh temp dir. The caller owns the dir."""
    workdir = Path(tempfile.mkdtemp(prefix="kh-c-"))
    stem = Path(display_name).stem or "candidate"
    src = workdir / f"{stem}.c"
    lib = workdir / f"lib{stem}.so"
    src.write_text(source)
    # User flags after the source, so a `-lfoo` among them links (libraries must follow objects).
    cmd = [cc, *BASE_FLAGS, str(src), "-o", str(lib), *cflags, *LINK_FLAGS]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S, cwd=workdir)
    except subprocess.TimeoutExpired:
        d = Diagnostic(severity=Severity.error, file=display_name,
                       message=f"the C compiler ran longer than {COMPILE_TIMEOUT_S} s")
        return BuildResult(False, [d], "", None, workdir, cmd)
    log = (proc.stdout + proc.stderr).replace(str(src), display_name).replace(str(workdir) + "/", "")
    diags = parse_diagnostics(proc.stderr, str(src), display_name, source)
    ok = proc.returncode == 0 and lib.exists()
    if not ok and not any(d.severity == Severity.error for d in diags):
        tail = "\n".join(log.strip().splitlines()[-8:]) or f"exit status {proc.returncode}"
        diags.append(Diagnostic(severity=Severity.error, file=display_name, message=f"compilation failed: {tail}"))
    return BuildResult(ok, diags, log, lib if ok else None, workdir, cmd)


def parse_diagnostics(text: str, real_path: str, display_name: str, source: str) -> list[Diagnostic]:
    """gcc/clang diagnostics via kernelhub's shared parser, plus linker errors
    (``undefined reference to `f'``), which carry no line."""
    out = parse_compiler_log(text, display_name, source, compiled_as=[real_path])
    for raw in text.splitlines():
        u = _UNDEFINED.search(raw)
        if u:
            out.append(Diagnostic(severity=Severity.error, file=display_name,
                                  message=f"undefined reference to '{u.group('sym')}': the kernel calls a function "
                                          "that is neither defined in it nor in libc/libm"))
    return out


def dynamic_symbols(library: Path) -> tuple[list[str], list[str]] | None:
    """(defined, undefined) dynamic symbol names of a shared library via ``nm -D``; None without nm."""
    nm = shutil.which("nm")
    if nm is None:
        return None
    try:
        proc = subprocess.run([nm, "-D", str(library)], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    defined, undefined = [], []
    for row in proc.stdout.splitlines():
        parts = row.split()
        if len(parts) == 2 and parts[0] in ("U", "w", "v"):
            undefined.append(parts[1].split("@")[0])
        elif len(parts) == 3:
            (defined if parts[1] not in ("U", "w", "v") else undefined).append(parts[2].split("@")[0])
    return defined, undefined
