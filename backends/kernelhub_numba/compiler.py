"""Compiling a candidate: load its module from a real file, find the ``@njit`` entry, and
compile it eagerly for the task's exact argument types, so that every error surfaces here
(with the candidate's file and line) and no JIT compile is left for the first timed call."""

from __future__ import annotations

import inspect
import itertools
import re
import shutil
import sys
import tempfile
import time
import types as pytypes
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernelhub.backend import Compiled
from kernelhub.models import Candidate, CompileResult, Diagnostic, Profile, Signature
from kernelhub_numba import abi, diagnostics as dg, irscan

DEFAULT_ENTRY = "kernel"
PLATFORM = "numba-cpu"
_counter = itertools.count()

ENTRY_RULE = ("The entry must be a function decorated with @njit (or @jit(nopython=True)); a host "
              "Python/NumPy function as the entry is not allowed, because the work must be done by "
              "the compiled kernel.")


@dataclass
class NumbaArtifact:
    """The compiled entry and what integrity and profiling need to know about it."""

    dispatcher: Any
    signature: Signature
    arg_types: tuple[Any, ...]
    compiled_types: tuple[Any, ...]
    llvm_ir: str
    summary: irscan.IRSummary
    module_name: str
    source_map: dg.SourceMap

    @property
    def source_path(self) -> str:
        """The real file the candidate runs from (the worker maps tracebacks through it)."""
        return self.source_map.path


def _cleanup(module_name: str, tmpdir: str) -> None:
    sys.modules.pop(module_name, None)
    shutil.rmtree(tmpdir, ignore_errors=True)


def _file_name(filename: str) -> str:
    """A safe file name for the temp copy, after the candidate's (tracebacks name it)."""
    name = re.sub(r"[^\w.\-]", "_", Path(filename).name) or "candidate"
    return name if name.endswith(".py") else name + ".py"


class _Failed(Exception):
    def __init__(self, diags: list[Diagnostic], log: str = "") -> None:
        super().__init__(diags)
        self.diags, self.log = diags, log


def compile_candidate(candidate: Candidate, signature: Signature) -> Compiled:
    t0 = time.perf_counter()
    tmpdir = tempfile.mkdtemp(prefix="kernelhub-numba-")
    path = str(Path(tmpdir) / _file_name(candidate.filename))
    Path(path).write_text(candidate.source)
    module_name = f"kernelhub_numba_candidate_{next(_counter)}"
    sm = dg.SourceMap(path=path, display=candidate.filename, source=candidate.source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            artifact, log, diags = _build(candidate, signature, sm, module_name)
            ok = True
        except _Failed as f:
            artifact, log, ok, diags = None, f.log, False, f.diags
    diags = diags + dg.from_warnings(caught, sm)
    profile = _safe_profile(artifact) if artifact is not None else None
    if artifact is None:
        _cleanup(module_name, tmpdir)
    else:  # the module and its file live as long as the artifact: runtime tracebacks read the file
        weakref.finalize(artifact, _cleanup, module_name, tmpdir)
    result = CompileResult(ok=ok, diagnostics=diags, seconds=time.perf_counter() - t0, profile=profile,
                           log=log[:20000])
    return Compiled(result, artifact)


def _build(candidate: Candidate, signature: Signature, sm: dg.SourceMap,
           module_name: str) -> tuple[NumbaArtifact, str, list[Diagnostic]]:
    try:
        code = compile(candidate.source, sm.path, "exec", dont_inherit=True)
    except SyntaxError as e:
        raise _Failed(dg.from_syntax_error(e, sm)) from None
    try:
        import numba  # noqa: F401  (the candidate imports it too; fail here with the fix)
        from numba.core.registry import CPUDispatcher
    except ImportError as e:
        raise _Failed([sm.diag(f"numba is not installed here ({e}); pip install kernelhub[numba]")]) from None

    module = pytypes.ModuleType(module_name)
    module.__file__ = sm.path
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as e:
        raise _Failed(dg.from_exception(e, sm, None, "while importing the candidate module"),
                      dg.log_text(e, sm)) from None

    entry = candidate.entry or DEFAULT_ENTRY
    obj = module.__dict__.get(entry)
    if obj is None:
        raise _Failed([sm.diag(f"entry {entry!r} not found in {sm.display}; {_defined(module)}. "
                               f"Name your @njit kernel {entry!r}"
                               + (" (or set the candidate's entry)." if candidate.entry is None else "."))])
    def_line = _def_line(obj, sm)
    if not isinstance(obj, CPUDispatcher):
        raise _Failed([sm.diag(f"entry {entry!r} is {_kind(obj)}, not an @njit function. {ENTRY_RULE}", def_line)])
    if obj.targetoptions.get("forceobj") or not obj.targetoptions.get("nopython", True):
        raise _Failed([sm.diag(f"entry {entry!r} is compiled in object mode (forceobj=True), which runs "
                               f"as Python. {ENTRY_RULE}", def_line)])

    arg_types = abi.numba_arg_types(signature)
    names = [t.name for t in signature.inputs + signature.outputs] + [p.name for p in signature.params]
    _check_arity(obj.py_func, entry, names, sm, def_line)
    try:
        compiled_types = _compile_exact(obj, arg_types, names, sm, def_line)
    except _Failed:
        raise
    except Exception as e:
        raise _Failed(dg.from_exception(e, sm, def_line, f"while compiling {entry}({abi.describe(arg_types, names)})"),
                      dg.log_text(e, sm)) from None

    ir = obj.inspect_llvm(compiled_types)
    artifact = NumbaArtifact(dispatcher=obj, signature=signature, arg_types=arg_types,
                             compiled_types=compiled_types, llvm_ir=ir, summary=irscan.summarize(ir),
                             module_name=module_name, source_map=sm)
    ret = obj.overloads[compiled_types].signature.return_type
    warn = []
    if str(ret) != "none":
        warn.append(sm.diag(f"kernel returns {ret}; return values are ignored, write every result into "
                            "the output arrays", def_line, severity=dg.Severity.warning))
    log = f"compiled {entry}({abi.describe(compiled_types, names)}) -> {ret}\n"
    return artifact, log, warn


def _compile_exact(dispatcher: Any, arg_types: tuple[Any, ...], names: list[str], sm: dg.SourceMap,
                   def_line: int | None) -> tuple[Any, ...]:
    """Compile for the ABI's exact types; with explicit signatures in the decorator (compilation
    disabled), pick the one the ABI's arguments convert to."""
    if dispatcher._can_compile:
        dispatcher.compile(arg_types)
        return tuple(arg_types)
    tctx = dispatcher.typingctx
    for sig in dispatcher.signatures:
        if len(sig) == len(arg_types) and all(tctx.can_convert(a, s) is not None for a, s in zip(arg_types, sig)):
            return tuple(sig)
    have = "; ".join(f"({abi.describe(tuple(s), names)})" for s in dispatcher.signatures)
    raise _Failed([sm.diag(f"the explicit signature(s) in the decorator {have} do not accept the task's "
                           f"arguments ({abi.describe(arg_types, names)}); drop the signature string "
                           "and let kernelhub compile for the exact types", def_line)])


def _check_arity(py_func: Any, entry: str, names: list[str], sm: dg.SourceMap, def_line: int | None) -> None:
    try:
        params = list(inspect.signature(py_func).parameters.values())
    except (TypeError, ValueError):
        return
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return
    if len(params) != len(names):
        raise _Failed([sm.diag(f"{entry}({', '.join(p.name for p in params)}) takes {len(params)} parameters, "
                               f"but the kernel ABI passes {len(names)}: {', '.join(names)} "
                               "(inputs, outputs, then params, in signature order)", def_line)])


def _def_line(obj: Any, sm: dg.SourceMap) -> int | None:
    fn = getattr(obj, "py_func", obj)
    code = getattr(fn, "__code__", None)
    if code is None or not sm.is_candidate(code.co_filename):
        return None
    return sm.def_line(code.co_firstlineno)


def _kind(obj: Any) -> str:
    if isinstance(obj, pytypes.FunctionType):
        return "a plain Python function"
    if isinstance(obj, type):
        return f"a class ({obj.__name__})"
    return f"a {type(obj).__module__}.{type(obj).__qualname__}"


def _defined(module: pytypes.ModuleType) -> str:
    """The functions the candidate's module defines, for the 'entry not found' message."""
    from numba.core.registry import CPUDispatcher
    found = []
    for name, obj in vars(module).items():
        if name.startswith("__"):
            continue
        if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == module.__name__:
            found.append(f"{name} (@njit)")
        elif isinstance(obj, pytypes.FunctionType) and obj.__module__ == module.__name__:
            found.append(f"{name} (plain function)")
    return "it defines: " + ", ".join(found) if found else "it defines no functions"


def _safe_profile(art: NumbaArtifact) -> Profile:
    """The profile is a nicety: an error building it must never fail a good compile."""
    try:
        return _profile(art)
    except Exception as e:
        return Profile(platform=PLATFORM, detail={"error": f"{type(e).__name__}: {e}"})


def _profile(art: NumbaArtifact) -> Profile:
    """Headline: parallelism, code size and vectorisation of the candidate's own functions."""
    import llvmlite.binding as llvm
    import numba

    opts = art.dispatcher.targetoptions
    parallel = bool(opts.get("parallel"))
    s = art.summary
    headline: dict[str, float | int | str] = {
        "parallel": "yes" if parallel else "no",
        "llvm_instructions": s.instructions,
        "vector_instructions": s.vector_instructions,
        "vectorized": "yes" if s.vector_arith else "no",
        "max_vector_bits": s.max_vector_bits,
        "fastmath": "yes" if opts.get("fastmath") else "no",
    }
    detail: dict[str, Any] = {
        "signature": str(art.compiled_types),
        "functions": {n: {"instructions": f.instructions, "vector_instructions": f.vector_instructions,
                          "vector_arith": f.vector_arith, "max_fp_vector_bits": f.max_fp_vector_bits,
                          "max_int_vector_bits": f.max_int_vector_bits}
                      for n, f in s.functions.items()},
        "external_calls": sorted(set(s.external)),
        "target_cpu": llvm.get_host_cpu_name(),
        "threads": numba.config.NUMBA_NUM_THREADS,
        "threading_layer": _threading_layer(),
        "options": {k: (v if isinstance(v, (bool, int, float, str)) or v is None else str(v))
                    for k, v in opts.items()},
    }
    if parallel:
        try:
            diag = art.dispatcher.get_metadata(art.compiled_types).get("parfor_diagnostics")
            headline["parallel_loops"] = diag.count_parfors() if diag is not None else 0
            if diag is not None:
                detail["parfor_fusion"] = {str(k): [str(x) for x in v] for k, v in diag.fusion_info.items()}
        except Exception as e:  # diagnostics are a nicety; never fail a compile over them
            detail["parfor_diagnostics_error"] = f"{type(e).__name__}: {e}"
    return Profile(platform=PLATFORM, headline=headline, detail=detail)


def _threading_layer() -> str:
    """The layer parallel=True runs on: chosen by numba at the first parallel call of the process
    (tbb, then omp, then workqueue, unless NUMBA_THREADING_LAYER pins one)."""
    import numba
    try:
        return numba.threading_layer()
    except ValueError:
        return f"{numba.config.THREADING_LAYER} (chosen at the first parallel call)"
