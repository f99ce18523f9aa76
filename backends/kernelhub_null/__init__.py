"""The do-nothing backend: Python candidates run as plain Python, no platform at all.

It exists so the core (pipeline, isolation, integrity checks, CLI) is proven
without any hardware, the way tinygrad tests its core on a NULL device. It is
registered through the same entry point as every other backend and marked
``test_only`` so benchmark runs skip it unless asked.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kernelhub.backend import Backend, Compiled, KernelArgs
from kernelhub.cpu import host_device_info
from kernelhub.hookspecs import hookimpl
from kernelhub.models import Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Severity, Signature


@dataclass
class PythonArtifact:
    entry: Callable[..., Any]
    source_path: str


class NullBackend(Backend):
    name = "null"
    languages = ("python",)
    description = "Plain Python candidates on the host; no platform. For testing the core."
    test_only = True

    def probe(self) -> Availability:
        return Availability(compile=True, run=True, time=True)

    def device_info(self) -> DeviceInfo:
        return host_device_info()

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        path = Path(tempfile.mkdtemp(prefix="kh-null-")) / Path(candidate.filename).name
        if path.suffix != ".py":
            path = path.with_suffix(".py")
        path.write_text(candidate.source)
        entry_name = candidate.entry or "kernel"

        def fail(msg: str, line: int | None = None, col: int | None = None) -> Compiled:
            src = candidate.source.splitlines()[line - 1] if line and line <= len(candidate.source.splitlines()) else None
            d = Diagnostic(severity=Severity.error, message=msg, file=candidate.filename, line=line, column=col,
                           source_line=src)
            return Compiled(CompileResult(ok=False, diagnostics=[d]))

        try:
            code = compile(candidate.source, str(path), "exec")
        except SyntaxError as e:
            return fail(f"SyntaxError: {e.msg}", e.lineno, e.offset)
        module_name = f"kh_candidate_{abs(hash(str(path)))}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[module_name] = module
        try:
            exec(code, module.__dict__)
        except Exception as e:
            frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == str(path)]
            return fail(f"{type(e).__name__} while loading: {e}", frames[-1].lineno if frames else None)
        entry = getattr(module, entry_name, None)
        if not callable(entry):
            found = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
            return fail(f"entry point {entry_name!r} not found; callables defined: {found}")
        return Compiled(CompileResult(ok=True), PythonArtifact(entry=entry, source_path=str(path)))

    def prepare(self, artifact: PythonArtifact, args: KernelArgs) -> tuple[PythonArtifact, KernelArgs]:
        return artifact, args

    def launch(self, prepared: tuple[PythonArtifact, KernelArgs]) -> float | None:  # type: ignore[override]
        artifact, args = prepared
        artifact.entry(*args.ordered())
        return None

    def fetch(self, prepared: tuple[PythonArtifact, KernelArgs]) -> dict[str, Any]:
        return dict(prepared[1].arrays)


@hookimpl
def kernelhub_register_backends(register) -> None:
    register(NullBackend())
