"""The ``c`` backend: a candidate is a C file whose entry function the system C compiler
builds into a shared library, loaded with ctypes and called in-process on host arrays.

ABI (also in ``manual.md``): ``void kernel(<inputs>, <outputs>, <params>)``, each group in
signature order; arrays are pointers to their element type (``const`` for inputs),
params are ``int64_t`` / ``int32_t`` / ``float`` / ``double`` by their declared dtype.
"""

from __future__ import annotations

import ctypes
import re
import shutil
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernelhub.backend import Backend, CandidateError, Compiled, KernelArgs
from kernelhub.models import Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Severity, Signature

from kernelhub_example_c import compiler

#: kernelhub dtype -> (ctypes element type, C spelling) for array arguments.
ARRAY_TYPES: dict[str, tuple[Any, str]] = {
    "float16": (ctypes.c_uint16, "uint16_t"),  # raw IEEE half bits: C has no portable half type
    "float32": (ctypes.c_float, "float"),
    "float64": (ctypes.c_double, "double"),
    "int8": (ctypes.c_int8, "int8_t"),
    "int16": (ctypes.c_int16, "int16_t"),
    "int32": (ctypes.c_int32, "int32_t"),
    "int64": (ctypes.c_int64, "int64_t"),
    "uint8": (ctypes.c_uint8, "uint8_t"),
    "uint32": (ctypes.c_uint32, "uint32_t"),
    "bool": (ctypes.c_bool, "bool"),
}
#: Param dtype -> (ctypes scalar type, C spelling).
PARAM_TYPES: dict[str, tuple[Any, str]] = {
    "int32": (ctypes.c_int32, "int32_t"),
    "int64": (ctypes.c_int64, "int64_t"),
    "float32": (ctypes.c_float, "float"),
    "float64": (ctypes.c_double, "double"),
}

#: Undefined symbols (calls out of the library) that hand the work to a BLAS/LAPACK.
_BLAS_CALL = re.compile(r"^(?:cblas_\w+|LAPACKE_\w+|openblas_\w+|mkl_\w+|bli_\w+|"
                        r"[sdcz](?:gemm|gemv|symm|syrk|syr2k|trsm|trmm|ger|dot|axpy|scal|nrm2|asum)_?)$")
#: Defined symbols that only exist when a BLAS was linked in statically.
_BLAS_DEFINED = re.compile(r"^(?:cblas_\w+|LAPACKE_\w+|openblas_\w+|mkl_\w+|bli_\w+)$")
#: Loading code at run time escapes every static check.
_DYNAMIC_LOAD = {"dlopen", "dlmopen", "dlsym", "dlvsym"}


def prototype(signature: Signature, entry: str = "kernel") -> str:
    """The C declaration the ABI expects for a signature, e.g. for error messages."""
    parts = []
    for t in signature.inputs:
        const = "" if t.name in signature.mutable_inputs else "const "
        parts.append(f"{const}{ARRAY_TYPES[t.dtype][1]}* {t.name}")
    parts += [f"{ARRAY_TYPES[t.dtype][1]}* {t.name}" for t in signature.outputs]
    parts += [f"{PARAM_TYPES[p.dtype][1]} {p.name}" for p in signature.params]
    return f"void {entry}({', '.join(parts)})"


@dataclass
class CArtifact:
    """A loaded library and its entry function, with what ``nm`` saw in it."""

    library: ctypes.CDLL
    function: Any
    entry: str
    library_path: str
    defined: list[str] | None = None
    undefined: list[str] | None = None
    source_path: str | None = None  # read by the worker for Python tracebacks; C has none


@dataclass
class _Prepared:
    function: Any
    arrays: dict[str, np.ndarray]
    args: list[Any]


class CBackend(Backend):
    name = "c"
    languages = ("c",)
    description = "Plain C kernels built by the system C compiler (-O3 -march=native) and called on the host CPU"
    timing_method = "host perf_counter around the ctypes call"
    device_time = False

    # ------------------------------------------------------------ what is here

    def probe(self) -> Availability:
        if compiler.find_compiler() is None:
            why = "no C compiler found (looked for $CC, cc, gcc, clang on PATH); fix: apt-get install gcc"
            return Availability(compile=False, run=False, time=False,
                                reasons={"compile": why, "run": why, "time": why})
        notes = [] if shutil.which("nm") else ["nm not found: the BLAS integrity check is skipped (install binutils)"]
        return Availability(compile=True, run=True, time=True, notes=notes)

    def device_info(self) -> DeviceInfo:
        from kernelhub.cpu import host_device_info
        return host_device_info()

    def version_key(self) -> str:
        from kernelhub.cpu import cpu_name
        cc = compiler.find_compiler()
        version = compiler.compiler_version(cc) if cc else "no compiler"
        # -march=native: the same source compiles differently on another CPU.
        return f"{version}|{' '.join(compiler.BASE_FLAGS + compiler.LINK_FLAGS)}|{cpu_name()}"

    # ------------------------------------------------------------ compile

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        def fail(message: str, diags: list[Diagnostic] | None = None, log: str = "") -> Compiled:
            d = Diagnostic(severity=Severity.error, message=message, file=candidate.filename)
            return Compiled(CompileResult(ok=False, diagnostics=(diags or []) + [d], log=log))

        if candidate.language not in (None, "c"):
            return fail(f"language {candidate.language!r} is not supported by the c backend; use 'c'")
        cc = compiler.find_compiler()
        if cc is None:
            return fail("no C compiler found (looked for $CC, cc, gcc, clang on PATH)")
        try:
            flags = compiler.user_flags(candidate.options.get("cflags"))
        except ValueError as e:
            return fail(str(e))
        unknown = sorted(set(candidate.options) - {"cflags"})
        if unknown:
            return fail(f"unknown option(s) {unknown}; the c backend takes only 'cflags'")

        built = compiler.build_shared(cc, candidate.source, candidate.filename, flags)
        if not built.ok:
            return Compiled(CompileResult(ok=False, diagnostics=built.diagnostics, log=built.log))
        entry = candidate.entry or "kernel"
        try:
            symbols = compiler.dynamic_symbols(built.library)
            lib = ctypes.CDLL(str(built.library))
            try:
                fn = getattr(lib, entry)
            except AttributeError:
                found = sorted(s for s in (symbols[0] if symbols else []) if not s.startswith("_"))
                return fail(f"entry function {entry!r} not found in the library; functions defined: {found}. "
                            f"Expected: {prototype(signature, entry)}", built.diagnostics, built.log)
            except OSError as e:
                return fail(f"the library does not load: {e}", built.diagnostics, built.log)
        finally:
            # Linux keeps a loaded library mapped after its file is removed; nm has already run.
            shutil.rmtree(built.workdir, ignore_errors=True)
        fn.restype = None
        fn.argtypes = self._argtypes(signature)
        art = CArtifact(library=lib, function=fn, entry=entry, library_path=str(built.library),
                        defined=symbols[0] if symbols else None, undefined=symbols[1] if symbols else None)
        return Compiled(CompileResult(ok=True, diagnostics=built.diagnostics, log=built.log), art)

    @staticmethod
    def _argtypes(signature: Signature) -> list[Any]:
        arrays = [ctypes.POINTER(ARRAY_TYPES[t.dtype][0]) for t in signature.inputs + signature.outputs]
        return arrays + [PARAM_TYPES[p.dtype][0] for p in signature.params]

    # ------------------------------------------------------------ run

    def prepare(self, artifact: CArtifact, args: KernelArgs) -> _Prepared:
        sig = args.signature
        arrays: dict[str, np.ndarray] = {}
        call: list[Any] = []
        for t in sig.inputs + sig.outputs:
            a = args.arrays[t.name]
            want = np.dtype(t.dtype)
            if not (isinstance(a, np.ndarray) and a.dtype == want and a.flags.c_contiguous and a.flags.writeable):
                a = np.require(np.asarray(a, dtype=want), requirements=["C", "W"])  # fetch returns this copy
            arrays[t.name] = a
            call.append(a.ctypes.data_as(ctypes.POINTER(ARRAY_TYPES[t.dtype][0])))
        for p in sig.params:
            ctype = PARAM_TYPES[p.dtype][0]
            value = args.params[p.name]
            call.append(ctype(int(value) if p.dtype.startswith("int") else float(value)))
        for name, a in args.arrays.items():  # arrays outside the signature travel back unchanged
            arrays.setdefault(name, a)
        return _Prepared(function=artifact.function, arrays=arrays, args=call)

    def launch(self, prepared: _Prepared) -> float | None:
        try:
            prepared.function(*prepared.args)
        except ctypes.ArgumentError as e:  # a harness/ABI mismatch, not a crash
            raise CandidateError(f"could not pass the arguments to the kernel: {e}") from e
        return None

    def fetch(self, prepared: _Prepared) -> dict[str, Any]:
        return dict(prepared.arrays)

    # ------------------------------------------------------------ integrity

    def static_integrity(self, artifact: Any) -> list[tuple[str, str, str]]:
        """Fail a library that calls (or statically contains) a BLAS/LAPACK, or that loads code at
        run time: the work must be the candidate's own code."""
        if artifact is None:
            return []
        if artifact.undefined is None or artifact.defined is None:
            return [("own_kernel", "skipped", "nm not found or failed: BLAS calls were not checked")]
        blas = sorted({s for s in artifact.undefined if _BLAS_CALL.match(s)}
                      | {s for s in artifact.defined if _BLAS_DEFINED.match(s)})
        out: list[tuple[str, str, str]] = []
        if blas:
            out.append(("own_kernel", "fail", f"the library calls or contains BLAS/LAPACK routine(s) "
                        f"{', '.join(blas[:8])}: the work must be the kernel's own code"))
        else:
            out.append(("own_kernel", "pass", "no BLAS/LAPACK symbols in the library (nm -D)"))
        loads = sorted(s for s in artifact.undefined if s in _DYNAMIC_LOAD)
        if loads:
            out.append(("no_dynamic_loading", "fail", f"the library calls {', '.join(loads)}: loading other code at "
                        "run time is not allowed"))
        else:
            out.append(("no_dynamic_loading", "pass", "no dlopen/dlsym calls"))
        return out
