"""The numba backend: candidates are Python modules whose ``@njit`` entry numba compiles
through LLVM for the host CPU; run and timed in-process on host arrays."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Any

from kernelhub.backend import Backend, CandidateError, Compiled, KernelArgs
from kernelhub.models import Availability, Candidate, DeviceInfo, Signature

INSTALL_FIX = "pip install kernelhub[numba]"


@dataclass
class _Prepared:
    """One call's host arrays (what ``fetch`` returns) and its ready-made argument list."""

    dispatcher: Any
    arrays: dict[str, Any]
    args: list[Any]


class NumbaBackend(Backend):
    name = "numba"
    languages = ("numba",)
    description = "Python kernels compiled by numba (@njit, optional parallel=True/prange) for the host CPU"
    timing_method = "host perf_counter around the compiled call"
    device_time = False  # the CPU is the device: host wall time is the kernel's time
    # OpenMP's spinning threads fight the harness for 2 cores and land timings on scheduler
    # ticks; numba's own work queue measured steadier here. KERNELHUB users can override it.
    worker_env = {"NUMBA_THREADING_LAYER": "workqueue"}

    def probe(self) -> Availability:
        try:
            import numba  # noqa: F401
        except ImportError as e:  # also catches a broken llvmlite
            why = f"numba does not import: {e}; fix: {INSTALL_FIX}"
            return Availability(compile=False, run=False, time=False,
                                reasons={"compile": why, "run": why, "time": why})
        return Availability(compile=True, run=True, time=True)

    def device_info(self) -> DeviceInfo:
        from kernelhub.cpu import host_device_info
        return host_device_info()

    def version_key(self) -> str:
        parts = []
        for dist in ("numba", "llvmlite", "numpy"):
            try:
                parts.append(f"{dist}={metadata.version(dist)}")
            except metadata.PackageNotFoundError:
                parts.append(f"{dist}=missing")
        return ";".join(parts)

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        from kernelhub.models import CompileResult, Diagnostic, Severity
        if candidate.language not in (None, *self.languages):
            return Compiled(CompileResult(ok=False, diagnostics=[Diagnostic(
                severity=Severity.error, file=candidate.filename,
                message=f"language {candidate.language!r} is not supported by the numba backend; "
                        "use 'numba' (a Python module with an @njit entry)")]))
        from kernelhub_numba.compiler import compile_candidate
        return compile_candidate(candidate, signature)

    def prepare(self, artifact: Any, args: KernelArgs) -> _Prepared:
        """Cast params to their declared scalar types once, and make sure the dispatcher has an
        overload for these exact values (say, read-only inputs), so no timed call compiles."""
        from kernelhub_numba.abi import call_args
        call = call_args(args.signature, args.ordered())
        disp = artifact.dispatcher
        if disp._can_compile:
            types = tuple(disp.typeof_pyval(a) for a in call)
            if types not in disp.overloads:
                try:
                    disp.compile(types)
                except Exception as e:
                    raise CandidateError(_compile_failure(artifact, e, types, args)) from None
        return _Prepared(dispatcher=disp, arrays=args.arrays, args=call)

    def launch(self, prepared: _Prepared) -> float | None:
        try:
            prepared.dispatcher(*prepared.args)
        except Exception as e:  # raised by the kernel itself (IndexError with boundscheck, raise ...)
            raise CandidateError(f"the kernel raised {type(e).__name__}: {e}") from e
        return None

    def fetch(self, prepared: _Prepared) -> dict[str, Any]:
        return dict(prepared.arrays)

    def static_integrity(self, artifact: Any) -> list[tuple[str, str, str]]:
        """Fail kernels whose compiled code hands the work to BLAS/LAPACK (np.dot, @, np.linalg)
        or back to the interpreter (``with numba.objmode():``)."""
        if artifact is None:
            return []
        s = artifact.summary
        out: list[tuple[str, str, str]] = []
        blas = s.blas_calls()
        if blas:
            out.append(("own_kernel", "fail", f"kernel calls BLAS/LAPACK routine(s) {', '.join(blas)} "
                        "(np.dot / @ / np.linalg): the work must be your own loops"))
        else:
            out.append(("own_kernel", "pass", "no BLAS/LAPACK calls in the compiled code"))
        py = s.python_calls()
        if py:
            out.append(("compiled_only", "fail", f"kernel calls back into the Python interpreter ({', '.join(py)}; "
                        "a numba.objmode block): the work must be done by compiled code"))
        else:
            out.append(("compiled_only", "pass", "no calls back into the Python interpreter"))
        return out


def _compile_failure(artifact: Any, e: Exception, types: tuple[Any, ...], args: KernelArgs) -> str:
    """The run-time compile error (arguments typed unlike the ABI, e.g. read-only inputs) as
    ``file:line: message``, like a compile diagnostic."""
    from kernelhub_numba import abi, diagnostics as dg
    stage = f"while compiling the kernel for the call's arguments ({abi.describe(types, args.names())})"
    d = dg.from_exception(e, artifact.source_map, None, stage)[0]
    where = f"{d.file}:{d.line}: " if d.line else ""
    return f"{where}{d.message}" + (f"\n    {d.source_line.strip()}" if d.source_line else "")
