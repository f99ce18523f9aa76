"""RocmHipBackend (``rocm-hip``): HIP C++ with ``extern "C" __global__`` kernels and ``//!`` launch
directives (the ``cuda`` backend's convention, :mod:`kernelhub.launch`), compiled to an AMDGCN code
object by clang-19 (:mod:`kernelhub_rocm.hiptool`) for the candidate option ``arch`` (default gfx942).

Without an AMD GPU every result is ``compile_only``: diagnostics, the resource report from the code
object, the occupancy on the target and the instruction summary. Running HIP code objects needs the
HIP runtime on an AMD GPU; that path is not written yet, and probe() says so.

Compiled code objects persist across processes in :mod:`kernelhub_rocm.cache`, keyed by compile_key."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from kernelhub.backend import Backend, CandidateError, Compiled
from kernelhub.diagnostics import run_compiler
from kernelhub.launch import LaunchError, LaunchPlan, checked_plan, parse_launches
from kernelhub.models import Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Severity, Signature

from kernelhub_rocm import amdgcn, cache, device, hiptool, profile, targets


@dataclass
class Artifact:
    code_object: str
    asm: str
    plan: LaunchPlan
    signature: Signature
    arch: str
    asm_path: str
    cupy_artifact: Any = None  # the cuda backend's view of this code object, on a ROCm host


def arch_option(cand: Candidate, display: str) -> tuple[targets.Target | None, Diagnostic | None]:
    """The candidate option ``arch`` as a Target, or a diagnostic naming the known ones."""
    here = [a for a in device.gpu_archs() if a in targets.targets()]
    try:  # default: this host's AMD GPU where there is one, else the table's default target
        return targets.target(cand.options.get("arch") or (here[0] if here else None)), None
    except targets.UnknownTarget as e:
        return None, Diagnostic(severity=Severity.error, file=display, message=f"candidate option arch: {e}")


class RocmHipBackend(Backend):
    name = "rocm-hip"
    languages = ("hip",)
    description = "HIP C++ kernels (extern \"C\" __global__) with //! launch directives for AMD CDNA (gfx942, gfx90a)"
    timing_method = "HIP events around the directive launches (cupy's ROCm build), on a ROCm host only"
    device_time = True
    cap_address_space = False  # the ROCm runtime reserves address space per device

    def __init__(self) -> None:
        self._tmp: str | None = None
        self._cache: dict[str, Compiled] = {}
        self._runner: Any = None

    def _run_blocker(self) -> str | None:
        """Why code objects cannot run here, or None on a ROCm host with cupy's ROCm build. Decided
        once per process: launch and flush_cache ask on every timed repetition, and the answer
        (a KFD topology read and a module lookup) does not change while the worker lives."""
        if not hasattr(self, "_blocker"):
            self._blocker = self._find_run_blocker()
        return self._blocker

    def _find_run_blocker(self) -> str | None:
        if not device.gpu_present():
            return device.no_gpu_reason()
        if importlib.util.find_spec("cupy") is None:
            return (f"AMD GPU present ({', '.join(device.gpu_archs())}) but cupy is not installed "
                    "(pip install cupy-rocm-<version>: it loads HIP code objects and times with HIP events)")
        return None

    def _no_run(self) -> str:
        return ((self._run_blocker() or "")
                + "; compile-only (AMDGCN code object, resource report, occupancy, instruction summary)")

    def _gpu(self) -> Any:
        """The cuda backend's cupy run path, reused rather than copied: on cupy's ROCm build
        ``RawModule`` loads a HIP code object as it loads a cubin, and its events are HIP events."""
        if self._runner is None:
            from kernelhub_cuda.backend import CudaBackend
            self._runner = CudaBackend()
            self._runner.gpu = True
        return self._runner

    def probe(self) -> Availability:
        gone = hiptool.missing()
        if gone:
            return Availability(compile=False, run=False, time=False, reasons={m: gone for m in ("compile", "run", "time")})
        if self._run_blocker() is None:
            return Availability(compile=True, run=True, time=True, notes=[
                f"AMD GPU(s): {', '.join(device.gpu_archs())}; toolchain: {hiptool.version()}"])
        why = self._no_run()
        return Availability(compile=True, run=False, time=False, reasons={"run": why, "time": why},
                            notes=[f"toolchain: {hiptool.version()}; targets {', '.join(targets.targets())} "
                                   f"(candidate option arch, default {targets.DEFAULT_ARCH})"])

    def device_info(self) -> DeviceInfo:
        t = targets.target(None)
        here = "" if self._run_blocker() is None else " (compile-only: no AMD GPU here)"
        return DeviceInfo(name=f"{t.product} [{t.arch}]{here}", kind="gpu",
                          peak_flops_per_s=t.peak_flops_per_s.get("fp32_vector"), peak_bytes_per_s=t.peak_bytes_per_s,
                          peaks_measured=False, detail={"target": t.summary(), "peak_method": t.peaks_source})

    def version_key(self) -> str:
        """The toolchain and the default target (this host's GPU where there is one): a candidate
        without an ``arch`` option compiles for a different target on a ROCm host."""
        return f"{hiptool.version()}:{','.join(device.gpu_archs()) or targets.DEFAULT_ARCH}"

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        t0 = time.perf_counter()
        key = self.compile_key(candidate, signature)
        if key in self._cache:
            hit = self._cache[key]
            return Compiled(hit.result.model_copy(update={"cached": True}), hit.artifact, hit.source_path)
        out = self._from_disk(key, candidate, signature)
        if out is None:
            out = self._compile(candidate, signature)
            out.result.seconds = time.perf_counter() - t0
            if out.result.ok:
                self._to_disk(key, out)
        else:
            out.result.seconds = time.perf_counter() - t0
        out.result.artifact_key = key
        if out.result.ok:
            self._cache[key] = out
        return out

    def _to_disk(self, key: str, out: Compiled) -> None:
        art: Artifact = out.artifact
        cache.store(key, out.result.model_dump(mode="json"),
                    {"cand.hsaco": art.code_object, "cand.s": art.asm_path, "cand.hip": out.source_path})

    def _from_disk(self, key: str, cand: Candidate, sig: Signature) -> Compiled | None:
        """A code object compiled by any earlier process for the same compile_key: no clang run."""
        hit = cache.lookup(key)
        if hit is None:
            return None
        data, d = hit
        try:
            result = CompileResult.model_validate(data).model_copy(update={"cached": True})
            plan = parse_launches(cand.source, cand.filename)
            asm = (d / "cand.s").read_text()
        except (OSError, ValueError, LaunchError):
            return None
        t, _ = arch_option(cand, cand.filename)
        if t is None:
            return None
        art = Artifact(code_object=str(d / "cand.hsaco"), asm=asm, plan=plan, signature=sig,
                       arch=t.arch, asm_path=str(d / "cand.s"))
        return Compiled(result, art, str(d / "cand.hip"))

    def _compile(self, cand: Candidate, sig: Signature) -> Compiled:
        from kernelhub_cuda.backend import _block_threads, _check_params  # the cuda backend's convention
        display = cand.filename

        def fail(diags: list[Diagnostic], log: str = "") -> Compiled:
            return Compiled(CompileResult(ok=False, diagnostics=diags, log=log))

        if cand.language not in (None, *self.languages):
            return fail([Diagnostic(severity=Severity.error, file=display, message=(
                f"language {cand.language!r} is not supported by backend 'rocm-hip'; use 'hip'"))])
        gone = hiptool.missing()
        if gone:
            return fail([Diagnostic(severity=Severity.error, file=display, message=gone)])
        t, bad = arch_option(cand, display)
        if bad:
            return fail([bad])
        plan, diags = checked_plan(cand.source, display, sig)
        if plan is None:
            return fail(diags)
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="kh-rocm-hip-")
        d = tempfile.mkdtemp(dir=self._tmp, prefix=hashlib.sha256(cand.source.encode()).hexdigest()[:10] + "-")
        src, obj = os.path.join(d, "cand.hip"), os.path.join(d, f"cand-{t.arch}.hsaco")
        with open(src, "w") as f:
            f.write(cand.source)
        extra = cand.options.get("hip_options") or []
        extra = extra.split() if isinstance(extra, str) else [str(o) for o in extra]
        try:
            cmd = hiptool.command(t.arch, src, obj, extra)
        except RuntimeError as e:
            return fail(diags + [Diagnostic(severity=Severity.error, file=display, message=str(e))])
        ok, cdiags, log, raw = run_compiler(cmd, f"clang ({t.arch})", src, display, cand.source, cwd=d)
        diags += _lds_overflow(cdiags, cand.source, t)
        if not ok:
            return fail(diags, log)
        asm_file = hiptool.asm_path(src, obj, t.arch)
        asm = open(asm_file).read()
        found = amdgcn.kernels(asm)
        diags += plan.missing_kernels(found, "code object")
        diags += _check_params(cand.source, display, plan, sig)
        if any(x.severity == Severity.error for x in diags):
            return fail(diags, log)
        diags += _resource_warnings(found, plan, display)
        per = {}
        for k in plan.kernels:
            threads = _block_threads(plan, k)
            if threads and threads > t.max_workgroup_size:
                diags.append(Diagnostic(severity=Severity.error, file=display, message=(
                    f"kernel {k!r}: workgroup of {threads} threads exceeds {t.arch}'s {t.max_workgroup_size}")))
            per[k] = profile.kernel_report(found[k], t, threads)
            if any(a.kind == "local" for launch in plan.launches if launch.kernel == k for a in (launch.args or [])):
                per[k]["note"] = "dynamic LDS (local(...) args) not counted in lds_bytes or occupancy"
        if any(x.severity == Severity.error for x in diags):
            return fail(diags, log)
        extra_detail: dict[str, Any] = {"code_object_bytes": os.path.getsize(obj), "compile_log": log[-4000:]}
        if cand.options.get("asm"):
            extra_detail["asm"] = {k: amdgcn.kernel_text(asm, k, display, src) for k in plan.kernels}
        prof = profile.build(f"rocm-hip-{t.arch}", t, per, hiptool.version(), extra_detail)
        art = Artifact(code_object=obj, asm=asm, plan=plan, signature=sig, arch=t.arch, asm_path=asm_file)
        return Compiled(CompileResult(ok=True, diagnostics=diags, profile=prof, log=log,
                                      compile_only=self._run_blocker() is not None), art, src)

    # ------------------------------------------------------------ run (ROCm host only)

    def prepare(self, artifact: Any, args: Any) -> Any:
        if self._run_blocker() is not None:
            raise CandidateError(f"cannot run here: {self._no_run()}")
        from kernelhub_cuda.backend import Artifact as CupyArtifact
        if not device.gpu_archs() or artifact.arch not in device.gpu_archs():
            raise CandidateError(f"code object is for {artifact.arch}; this host's AMD GPU is "
                                 f"{', '.join(device.gpu_archs())}: pass the candidate option arch")
        if artifact.cupy_artifact is None:
            artifact.cupy_artifact = CupyArtifact(cubin_path=artifact.code_object, plan=artifact.plan,
                                                  signature=artifact.signature, arch=0, resources={})
        return self._gpu().prepare(artifact.cupy_artifact, args)

    def launch(self, prepared: Any) -> float | None:  # only ever given what prepare (gated) returned
        return self._gpu().launch(prepared)

    def fetch(self, prepared: Any) -> dict[str, Any]:
        return self._gpu().fetch(prepared)

    def release(self, prepared: Any) -> None:
        self._gpu().release(prepared)

    def healthy(self) -> bool:
        return self._runner.healthy() if self._runner is not None else True

    def flush_cache(self) -> None:
        return self._gpu().flush_cache() if self._run_blocker() is None else super().flush_cache()

    def time_reference(self, task, arrays, shape, policy, clock):
        if self._run_blocker() is None:
            return self._gpu().time_reference(task, arrays, shape, policy, clock)
        return super().time_reference(task, arrays, shape, policy, clock)


def _resource_warnings(found: dict[str, dict[str, Any]], plan: LaunchPlan, display: str) -> list[Diagnostic]:
    out = []
    for k in plan.kernels:
        e = found.get(k, {})
        spills = (e.get("vgpr_spills", 0), e.get("sgpr_spills", 0))
        if any(spills):
            out.append(Diagnostic(severity=Severity.warning, file=display, message=(
                f"kernel {k!r} spills registers ({spills[0]} VGPRs, {spills[1]} SGPRs; {e.get('scratch_bytes', 0)} "
                "bytes of scratch per lane): slow scratch memory traffic; relax __launch_bounds__ or cut live values")))
    return out


_LDS_OVER = re.compile(r"local memory \((\d+)\) exceeds limit \((\d+)\) in function '([^']+)'")


def _lds_overflow(diags: list[Diagnostic], source: str, t: targets.Target) -> list[Diagnostic]:
    """clang's LDS overflow error comes from code generation, at ``<unknown>:0:0`` and with a garbled
    tail; point it at the kernel's first ``__shared__`` declaration and name the target's limit."""
    lines = source.splitlines()
    for d in diags:
        m = _LDS_OVER.search(d.message)
        if not m:
            continue
        used, limit, kernel = int(m.group(1)), int(m.group(2)), m.group(3)
        start = re.search(r"\bvoid\s+" + re.escape(kernel) + r"\s*\(", source)
        decl = re.compile(r"__shared__").search(source, start.end() if start else 0) or re.search(r"__shared__", source)
        if decl:
            d.line = source.count("\n", 0, decl.start()) + 1
            d.column = decl.start() - (source.rfind("\n", 0, decl.start()) + 1) + 1
            d.source_line = lines[d.line - 1]
        else:
            d.line = d.column = None
        d.message = (f"kernel {kernel!r} needs {used} bytes of LDS (static __shared__), over {t.arch}'s limit of "
                     f"{limit} bytes per workgroup ({t.lds_per_cu_bytes} per CU); shrink the tiles or reuse buffers")
    return diags
