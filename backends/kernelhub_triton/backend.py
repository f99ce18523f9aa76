"""TritonBackend: Python modules with ``@triton.jit`` kernels and a host entry function.

Two modes, decided once per process without importing torch:

* **GPU** (an NVIDIA GPU is here): torch CUDA tensors, Triton's JIT, device time from CUDA events,
  the L2 flushed by zeroing a 256 MiB buffer, the task's torch reference timed the same way.
* **interpreter** (no GPU; CI): ``TRITON_INTERPRET=1`` in the worker's environment, CPU tensors,
  timings marked interpreted (host time, not device time). The kernels are also compiled for
  sm_90 by a subprocess (``kernelhub_triton.sm90``) for the resource report and compile errors.

Compile loads the module from a real file, then makes a *dry run* of the host function on small
inputs (every shape symbol = 64 unless the candidate option ``dry_run_shape`` says otherwise),
which records the kernels it launches (their argument types and constexprs feed the sm_90
compile) and the torch operators it dispatches (host-side compute fails ``host_compute``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from kernelhub.backend import Backend, CandidateError, Compiled, KernelArgs
from kernelhub.gpu_lead import TORCH_SLEEP_FLOOR, HostLead
from kernelhub.models import (
    Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Profile, Severity, Signature, Timing,
)

from kernelhub_cuda import nvgpu

INSTALL = "pip install 'kernelhub[triton]' (triton and torch; on CPU machines torch==2.13.0, the CPU build)"
ENV_INTERPRET = "KERNELHUB_TRITON_INTERPRET"
DRY_RUN_EXTENT = 64
#: the dry run's largest array, in elements: every symbol is DRY_RUN_EXTENT for 1-D and 2-D arrays and
#: halves until the highest-rank array fits (4-D: 8), so the interpreter's dry run stays quick (conv2d
#: at 64 per symbol is 19 GFLOP: hours in Triton's interpreter)
DRY_RUN_MAX_ELEMENTS = 1 << 12


def dry_run_extent(sig: Signature) -> int:
    """Every shape symbol's value in the dry run (see DRY_RUN_MAX_ELEMENTS)."""
    rank = max((sum(not isinstance(d, int) for d in t.dims) for t in sig.inputs + sig.outputs), default=1)
    extent = DRY_RUN_EXTENT
    while extent > 8 and extent ** rank > DRY_RUN_MAX_ELEMENTS:
        extent //= 2
    return extent
FLUSH_BYTES = 256 << 20
#: bytes of poisoned guard memory on each side of every array (catches out-of-bounds writes)
REDZONE_BYTES = 64 << 10
REDZONE_BYTE = 0xA5
#: GPU clock cycles of ``torch.cuda._sleep`` queued before the start event, at least: the host's launch
#: overhead overlaps it instead of showing up as idle time inside the timed region;
#: :class:`kernelhub.gpu_lead.HostLead` lengthens it for host code that launches several kernels
SLEEP_CYCLES = TORCH_SLEEP_FLOOR


def interpret_mode() -> bool:
    forced = os.environ.get(ENV_INTERPRET, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if os.environ.get("TRITON_INTERPRET", "").strip() == "1":
        return True
    return not nvgpu.gpu_present()


@dataclass
class Artifact:
    module: Any
    entry: Any
    source_path: str
    display: str
    source: str
    signature: Signature
    recording: Any = None            # the dry run's Recording (None: dry run failed)
    dry_run_error: str | None = None


@dataclass
class Prepared:
    artifact: Artifact
    tensors: dict[str, Any]
    bases: dict[str, Any]
    args: list[Any]
    events: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    lead: HostLead = field(default_factory=lambda: HostLead(SLEEP_CYCLES))


class TritonBackend(Backend):
    cap_address_space = False  # CUDA/XLA reserve address space per device and a thread per core
    name = "triton"
    languages = ("triton",)
    description = "Python modules with @triton.jit kernels and a host function (GPU; Triton interpreter without one)"

    def __init__(self) -> None:
        self.interpret = interpret_mode()
        if self.interpret:
            self.worker_env = {"TRITON_INTERPRET": "1", "TRITON_DEFAULT_FP_FUSION": "1"}
            self.timing_method = "Triton interpreter on the host CPU, host perf_counter (not device time)"
            self.device_time = False
            self.interpreted = True
        else:
            self.worker_env = {"TRITON_DEFAULT_FP_FUSION": "1"}
            self.timing_method = "CUDA events around the host function on the current stream"
            self.device_time = True
            self.interpreted = False
        self._tmp = None
        self._cache: dict[str, Compiled] = {}
        self._flush_buf = None
        self._seq = 0

    # ------------------------------------------------------------ what is here

    def probe(self) -> Availability:
        missing = [m for m in ("triton", "torch") if importlib.util.find_spec(m) is None]
        if missing:
            why = f"{' and '.join(missing)} not installed; {INSTALL}"
            return Availability(compile=False, run=False, time=False, reasons={m: why for m in ("compile", "run", "time")})
        notes = []
        if self.interpret:
            why = nvgpu.no_gpu_reason() if not nvgpu.gpu_present() else f"{ENV_INTERPRET}/TRITON_INTERPRET forces it"
            notes.append(f"interpreter mode ({why}): kernels run in Triton's interpreter on the CPU, timings are "
                         "interpreted host time; kernels are also compiled for sm_90 for the resource report")
        else:
            notes.append(f"GPU mode on {', '.join(nvgpu.gpus())}: Triton JIT, CUDA-event device time")
        return Availability(compile=True, run=True, time=True, notes=notes)

    def device_info(self) -> DeviceInfo:
        if self.interpret:
            return DeviceInfo(name="Triton interpreter (host CPU)", kind="cpu", peaks_measured=False,
                              detail={"mode": "interpreter", "note": "interpreted timings: no roofline"})
        name = nvgpu.gpus()[0]
        peaks = nvgpu.declared_peaks(name) or {}
        return DeviceInfo(name=name, kind="gpu", peak_flops_per_s=peaks.get("fp32"),
                          peak_bytes_per_s=peaks.get("bytes"), peaks_measured=False,
                          detail={"declared_peaks": peaks, "compute_capability": nvgpu.compute_capability(),
                                  "peak_method": "datasheet (dense); fp32 on CUDA cores"})

    def version_key(self) -> str:
        parts = []
        for dist in ("triton", "torch"):
            try:
                parts.append(f"{dist}={metadata.version(dist)}")
            except metadata.PackageNotFoundError:
                parts.append(f"{dist}=missing")
        return ";".join(parts) + (";interpret" if self.interpret else f";sm_{nvgpu.compute_capability()}")

    # ------------------------------------------------------------ compile

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        t0 = time.perf_counter()
        key = self.compile_key(candidate, signature)
        if key in self._cache:
            hit = self._cache[key]
            return Compiled(hit.result.model_copy(update={"cached": True}), hit.artifact, hit.source_path)
        compiled = self._compile(candidate, signature)
        compiled.result.seconds = time.perf_counter() - t0
        if compiled.result.ok:
            self._cache[key] = compiled
        return compiled

    def _compile(self, cand: Candidate, sig: Signature) -> Compiled:
        from kernelhub_triton import loader
        display = cand.filename
        if cand.language not in (None, *self.languages):
            return _fail([Diagnostic(severity=Severity.error, file=display, message=(
                f"language {cand.language!r} is not supported by backend 'triton'; use 'triton'"))])
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="kh-triton-")
        self._seq += 1
        digest = hashlib.sha256(cand.source.encode()).hexdigest()[:12]
        modname = f"kh_triton_cand_{digest}_{self._seq}"
        path = os.path.join(self._tmp, f"{modname}.py")
        with open(path, "w") as f:
            f.write(cand.source)
        loaded = loader.load(path, modname, display, cand.source, cand.entry or "kernel", sig)
        if loaded.diagnostics and loaded.module is None:
            return _fail(loaded.diagnostics, loaded.log, path)
        diags = list(loaded.diagnostics)
        art = Artifact(module=loaded.module, entry=loaded.entry, source_path=path, display=display,
                       source=cand.source, signature=sig)
        # dry run: launches (for the ahead-of-time compile) and host operators (integrity)
        rec, err = self._dry_run(art, cand)
        art.recording, art.dry_run_error = (rec if err is None else None), err
        if err is not None and err.startswith("compile:"):
            d = loader.diag_from_text(err[len("compile:"):], display, cand.source)
            return _fail(diags + [d], err, path)
        if err is not None and rec is not None and rec.launches:
            # the launches recorded before the failure still compile ahead of time: a Triton
            # compile error there (a type error the interpreter reports without a line) has one
            report = self._ahead_of_time(art, rec, 90 if self.interpret else nvgpu.compute_capability())
            if report.get("error"):
                rec = None
                return self._aot_failure(report, cand, diags, path)
        if err is not None:
            rec = None
            diags.append(Diagnostic(severity=Severity.warning, file=display, message=(
                f"dry run of the host function on small inputs failed ({err.splitlines()[0][:400]}); "
                "launch capture, the sm_90 resource report and the host-compute check happen at run time")))
        profile = Profile(platform="triton", static=True, detail={"mode": "interpreter" if self.interpret else "gpu"})
        if rec is not None and rec.launches:
            arch = 90 if self.interpret else nvgpu.compute_capability()
            report = self._ahead_of_time(art, rec, arch)
            if report.get("error"):
                return self._aot_failure(report, cand, diags, path)
            profile = _profile(report, arch, self.interpret)
        return Compiled(CompileResult(ok=True, diagnostics=diags, profile=profile, log=loaded.log), art, path)

    def _aot_failure(self, report: dict[str, Any], cand: Candidate, diags: list[Diagnostic], path: str) -> Compiled:
        e = report["error"]
        line = e.get("line")
        lines = cand.source.splitlines()
        arch = report.get("arch", 90)
        return _fail(diags + [Diagnostic(
            severity=Severity.error, file=cand.filename, line=line, column=e.get("column"),
            message=f"Triton compile error (sm_{arch})"
                    + (f" in kernel {e['kernel']!r}" if e.get("kernel") else "") + f": {e['message']}",
            source_line=lines[line - 1] if line and 1 <= line <= len(lines) else None)],
            e.get("traceback", ""), path)

    def _dry_run(self, art: Artifact, cand: Candidate) -> tuple[Any, str | None]:
        import numpy as np
        from kernelhub_triton import recorder
        sig = art.signature
        dims = {s: dry_run_extent(sig) for s in sig.symbols()}
        dims.update({k: int(v) for k, v in (cand.options.get("dry_run_shape") or {}).items()})
        rng = np.random.default_rng(0)
        arrays: dict[str, Any] = {}
        for t in sig.inputs + sig.outputs:
            shape = tuple(d if isinstance(d, int) else dims[d] for d in t.dims)
            if t.dtype.startswith("float"):
                arrays[t.name] = rng.standard_normal(shape).astype(t.dtype)
            else:
                arrays[t.name] = np.zeros(shape, dtype=t.dtype)
        params = {p.name: (p.value if p.value is not None else dims[p.name]) for p in sig.params}
        args = KernelArgs(signature=sig, arrays=arrays, params=params)
        rec = None
        try:
            prepared = self.prepare(art, args)
            try:
                with recorder.recording() as rec:
                    art.entry(*prepared.args)
                self._sync()
            finally:
                self.release(prepared)
        except Exception as e:  # reported as a diagnostic
            if _is_compile_error(e):
                from kernelhub_triton.loader import compile_error_text
                return rec, "compile:" + compile_error_text(e, art)
            return rec, f"{type(e).__name__}: {e}"
        return rec, None

    def _ahead_of_time(self, art: Artifact, rec: Any, arch: int) -> dict[str, Any]:
        seen, launches = set(), []
        for r in rec.launches:
            k = json.dumps([r.kernel, r.signature, r.constexprs, r.options], sort_keys=True, default=str)
            if k not in seen and r.signature:
                seen.add(k)
                launches.append({"kernel": r.kernel, "signature": r.signature, "constexprs": r.constexprs,
                                 "options": r.options})
        req = {"path": art.source_path, "module": art.module.__name__ + "_aot", "display": art.display,
               "arch": arch, "launches": launches}
        env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join([here] + [p for p in sys.path if p])
        try:
            r = subprocess.run([sys.executable, "-m", "kernelhub_triton.sm90"], input=json.dumps(req),
                               capture_output=True, text=True, timeout=300, env=env)
        except subprocess.TimeoutExpired:
            return {"kernels": [], "note": "sm_90 compile timed out after 300 s"}
        last = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if not last:
            return {"arch": arch, "kernels": [], "note": f"sm_90 compile produced no report (exit {r.returncode}): "
                                           f"{r.stderr.strip()[-800:]}"}
        return json.loads(last[-1]) | {"arch": arch}

    # ------------------------------------------------------------ run

    def _device(self) -> str:
        return "cpu" if self.interpret else "cuda"

    def _sync(self) -> None:
        if not self.interpret:
            import torch
            torch.cuda.synchronize()

    def prepare(self, artifact: Artifact, args: KernelArgs) -> Prepared:
        import numpy as np
        import torch
        tensors, bases = {}, {}
        sig = args.signature
        for t in sig.inputs + sig.outputs:
            a = np.ascontiguousarray(args.arrays[t.name])
            nbytes = a.nbytes
            base = np.full(2 * REDZONE_BYTES + nbytes, REDZONE_BYTE, dtype=np.uint8)
            base[REDZONE_BYTES:REDZONE_BYTES + nbytes] = a.view(np.uint8).reshape(-1)
            tb = torch.from_numpy(base).to(self._device())
            view = tb[REDZONE_BYTES:REDZONE_BYTES + nbytes].view(_torch_dtype(t.dtype)).view(a.shape)
            tensors[t.name], bases[t.name] = view, tb
        params = []
        for p in sig.params:
            v = args.params[p.name]
            params.append(float(v) if p.dtype.startswith("float") else int(v))
        ordered = [tensors[t.name] for t in sig.inputs + sig.outputs] + params
        ev = None
        if not self.interpret:
            ev = (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
            torch.cuda.synchronize()
        return Prepared(artifact=artifact, tensors=tensors, bases=bases, args=ordered, events=ev)

    def healthy(self) -> bool:
        """A kernel fault (illegal address, device assert) poisons the CUDA context for good."""
        import sys
        torch = sys.modules.get("torch")
        if torch is None or not torch.cuda.is_initialized():
            return True
        try:
            torch.cuda.synchronize()
            return True
        except Exception:
            return False

    def launch(self, prepared: Prepared) -> float | None:
        from kernelhub_triton import recorder
        entry = prepared.artifact.entry
        try:
            with recorder.recording(detail=False) as rec:
                if prepared.events is not None:
                    import torch
                    start, end = prepared.events
                    # keep the GPU busy while the host enqueues (Python launch overhead is not kernel time)
                    with prepared.lead.ahead(torch.cuda._sleep):
                        start.record()
                        entry(*prepared.args)
                        end.record()
                    end.synchronize()
                else:
                    entry(*prepared.args)
            self._sync()
        except CandidateError:
            raise
        except Exception as e:
            if _is_compile_error(e):
                from kernelhub_triton.loader import compile_error_text
                raise CandidateError("Triton compile error: " + compile_error_text(e, prepared.artifact)) from None
            raise CandidateError(f"the host function raised {type(e).__name__}: {e}") from e
        fails = [d for n, v, d in rec.verdicts() if v == "fail"]
        if fails:
            raise CandidateError("integrity: " + "; ".join(fails))
        if prepared.events is not None:
            return prepared.events[0].elapsed_time(prepared.events[1]) * 1e-3
        return None

    def fetch(self, prepared: Prepared) -> dict[str, Any]:
        import numpy as np
        out = {}
        for name, t in prepared.tensors.items():
            base = prepared.bases[name].cpu().numpy()
            nbytes = t.numel() * t.element_size()
            lo, hi = base[:REDZONE_BYTES], base[REDZONE_BYTES + nbytes:]
            if (lo != REDZONE_BYTE).any() or (hi != REDZONE_BYTE).any():
                where = "before" if (lo != REDZONE_BYTE).any() else "after"
                raise CandidateError(f"out-of-bounds write: a kernel wrote outside array {name!r} "
                                     f"(guard bytes {where} it changed); mask loads and stores at the tail")
            out[name] = np.array(base[REDZONE_BYTES:REDZONE_BYTES + nbytes]).view(
                _np_dtype(t)).reshape(tuple(t.shape))
        return out

    def release(self, prepared: Prepared) -> None:
        prepared.tensors.clear()
        prepared.bases.clear()

    def flush_cache(self) -> None:
        if self.interpret:
            return  # interpreted timings are not device timings; flushing changes nothing that matters
        import torch
        if self._flush_buf is None:
            self._flush_buf = torch.empty(FLUSH_BYTES, dtype=torch.uint8, device="cuda")
        self._flush_buf.zero_()

    def counters(self, candidate: Candidate, args: KernelArgs, shape_label: str) -> Profile:
        """Nsight Compute's counters of one call, replayed in a child process (``kernelhub.ncu``)."""
        from kernelhub import ncu
        if self.interpret:
            return ncu.unavailable("no GPU here: the Triton interpreter has no hardware counters")
        return ncu.collect(self, candidate, args, shape_label)

    def time_reference(self, task, arrays, shape, policy, clock) -> Timing:
        """GPU: the task's torch reference on the GPU with CUDA events and the same loop
        (``kernelhub.gpu_baseline``); the NumPy reference where there is none or no GPU."""
        from kernelhub.gpu_baseline import time_reference
        return time_reference(self, task, arrays, shape, policy, clock, on_gpu=not self.interpret)

    # ------------------------------------------------------------ integrity

    def static_integrity(self, artifact: Artifact) -> list[tuple[str, str, str]]:
        if artifact is None:
            return []
        if artifact.recording is None:
            why = f"dry run failed ({(artifact.dry_run_error or '').splitlines()[0][:200]}); checked on every run instead"
            return [("host_compute", "skipped", why), ("own_kernel", "skipped", why)]
        return artifact.recording.verdicts()


# ---------------------------------------------------------------- helpers


def _fail(diags: list[Diagnostic], log: str = "", path: str | None = None) -> Compiled:
    return Compiled(CompileResult(ok=False, diagnostics=diags, log=log), None, path)


def _is_compile_error(e: BaseException) -> bool:
    seen = 0
    while e is not None and seen < 8:
        if type(e).__name__ in ("CompilationError", "CompileTimeAssertionFailure", "UnsupportedLanguageConstruct"):
            return True
        e = e.__cause__ or e.__context__
        seen += 1
    return False


def _torch_dtype(dtype: str) -> Any:
    import torch
    return {"bool": torch.bool}.get(dtype) or getattr(torch, dtype)


def _np_dtype(t: Any) -> Any:
    import numpy as np
    return np.dtype(str(t.dtype).replace("torch.", ""))


def _profile(report: dict[str, Any], arch: int, interpret: bool) -> Profile:
    per: dict[str, Any] = {}
    for k in report.get("kernels", []):
        if not k.get("ok"):
            per[k["kernel"]] = k
            continue
        threads = k["num_warps"] * 32
        smem = k.get("dynamic_shared_bytes", 0) + k.get("static_shared_bytes", 0)
        k["occupancy"] = nvgpu.occupancy(k.get("registers", 0), threads, smem, arch)
        per[k["kernel"]] = k
    headline: dict[str, float | int | str] = {"target": f"sm_{arch}", "kernels": len(per)}
    ok = [k for k in per.values() if k.get("ok")]
    if ok:
        headline["registers"] = max(k.get("registers", 0) for k in ok)
        headline["spill_bytes"] = max(k.get("spill_store_bytes", 0) + k.get("spill_load_bytes", 0) for k in ok)
        headline["shared_bytes"] = max(k.get("dynamic_shared_bytes", 0) + k.get("static_shared_bytes", 0) for k in ok)
        headline["num_warps"] = max(k["num_warps"] for k in ok)
        headline["num_stages"] = max(k["num_stages"] for k in ok)
        headline["occupancy"] = min(k["occupancy"]["occupancy"] for k in ok)
    detail = {"kernels": per, "mode": "interpreter" if interpret else "gpu",
              "note": "compiled ahead of time with the argument types of the dry run (every shape symbol = "
                      f"{DRY_RUN_EXTENT}, fewer for arrays of rank > 2); occupancy from the {nvgpu.limits(arch)} table"}
    if report.get("note"):
        detail["compile_note"] = report["note"]
    return Profile(platform=f"triton-sm_{arch}", headline=headline, detail=detail, static=True)
