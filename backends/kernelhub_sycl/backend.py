"""SyclBackend: OpenCL C candidates built into SYCL kernel bundles and run through dpctl."""

from __future__ import annotations

import shutil
import time
from typing import Any

from kernelhub.backend import Backend, Compiled, KernelArgs
from kernelhub.errors import UserError
from kernelhub.models import Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Severity, Signature

from kernelhub_opencl import spirv
from kernelhub_opencl.frontend import describe_device, front_end
from kernelhub_opencl.compiler import build_options
from kernelhub_sycl import compiler, devices, runner

INSTALL = "pip install dpctl intel-opencl-rt (or pip install 'kernelhub[sycl]')"
#: Why SYCL C++ single-source candidates are not accepted, when no compiler is on PATH.
NO_SYCL_CXX = ("sycl-cpp candidates need a SYCL compiler (icpx -fsycl, acpp, or clang++ -fsycl from intel/llvm) "
               "and none is on PATH: PyPI ships only SYCL runtimes (dpctl, intel-sycl-rt, dpcpp-cpp-rt) and "
               "Debian none (apt-cache search sycl/adaptivecpp/hipsycl: no compiler); OpenCL C candidates work")
SYCL_COMPILERS = ("icpx", "acpp", "syclcc")


def sycl_compiler() -> str | None:
    """A SYCL C++ compiler on PATH (clang++ only counts when it is intel/llvm's, with -fsycl)."""
    for name in SYCL_COMPILERS:
        if shutil.which(name):
            return name
    return None


class SyclBackend(Backend):
    name = "sycl"
    languages = ("opencl-c", "spirv")
    description = ("OpenCL C kernels or SPIR-V modules with //! launch directives, built into SYCL kernel "
                   "bundles and run through dpctl (Intel's OpenCL CPU runtime here)")
    timing_method = "sycl event profiling (first start to last end)"
    device_time = True

    def __init__(self) -> None:
        self._runtimes: dict[int, runner.Runtime] = {}
        self._cache: dict[str, Compiled] = {}
        self._refs: list[devices.SyclDeviceRef] | None = None

    @property
    def worker_env(self) -> dict[str, str]:  # type: ignore[override]
        """OCL_ICD_VENDORS naming libintelocl.so (its shipped .icd names a placeholder path)."""
        from kernelhub_opencl import icd
        return icd.icd_env()

    def _devices(self) -> list[devices.SyclDeviceRef]:
        if self._refs is None:
            self._refs = devices.all_devices()
        return self._refs

    def _runtime(self, selector: str | int | None = None) -> runner.Runtime:
        ref = devices.select(self._devices(), selector)
        if not ref.usable:
            raise UserError(f"SYCL device [{ref.index}] {ref.label} has no USM device allocations, which this "
                            "backend keeps candidates' arrays in",
                            "pick another: " + "; ".join(devices.describe(self._devices())))
        if ref.index not in self._runtimes:
            self._runtimes[ref.index] = runner.Runtime.create(ref)
        return self._runtimes[ref.index]

    # ------------------------------------------------------------ what is here

    def probe(self) -> Availability:
        def none(why: str, notes: list[str] | None = None) -> Availability:
            return Availability(compile=False, run=False, time=False, notes=notes or [],
                                reasons={m: why for m in ("compile", "run", "time")})
        try:
            import dpctl  # noqa: F401
        except Exception as e:
            return none(f"dpctl cannot be imported ({type(e).__name__}: {e}); {INSTALL}")
        from kernelhub_opencl import icd
        refs = self._devices()
        if not refs:
            return none(f"dpctl found no SYCL device; {INSTALL}")
        notes = devices.describe(refs) + icd.describe()
        try:
            chosen = self._runtime().ref
        except UserError as e:
            return none(str(e), notes)
        notes.append(f"selected [{chosen.index}] {chosen.label} (override: {devices.ENV_VAR}=INDEX|SUBSTRING "
                     "or candidate option `device`)")
        notes.append(spirv.probe_note([f"[{r.index}]" for r in refs if r.usable]))
        cxx = sycl_compiler()
        notes.append(f"sycl-cpp: compiler {cxx} found but not wired in yet" if cxx else NO_SYCL_CXX)
        return Availability(compile=True, run=True, time=True, notes=notes,
                            reasons={} if cxx else {"sycl-cpp": NO_SYCL_CXX})

    def device_info(self) -> DeviceInfo:
        ref = self._runtime().ref
        detail = ref.detail()
        detail["devices"] = devices.describe(self._devices())
        if ref.kind == "cpu":
            from kernelhub.cpu import host_device_info
            host = host_device_info()
            detail["peak_method"] = "host CPU: " + str(host.detail.get("peak_method", ""))
            return DeviceInfo(name=ref.device.name.strip(), kind="cpu", peak_flops_per_s=host.peak_flops_per_s,
                              peak_bytes_per_s=host.peak_bytes_per_s, peaks_measured=host.peaks_measured,
                              detail=detail)
        detail["peak_method"] = "not measured for SYCL GPUs yet"
        return DeviceInfo(name=ref.device.name.strip(), kind="gpu" if ref.kind == "gpu" else "other", detail=detail)

    def version_key(self) -> str:
        try:
            import dpctl
            return f"dpctl {dpctl.__version__};" + ";".join(
                f"{r.label}|{r.device.driver_version}" for r in self._devices())
        except Exception as e:
            return f"unavailable: {type(e).__name__}"

    # ------------------------------------------------------------ compile

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        t0 = time.perf_counter()
        key = self.compile_key(candidate, signature)
        hit = self._cache.get(key)
        if hit is not None:
            return Compiled(result=hit.result.model_copy(update={"cached": True,
                                                                 "seconds": time.perf_counter() - t0}),
                            artifact=hit.artifact)
        compiled = self._compile(candidate, signature, key)
        compiled.result.seconds = time.perf_counter() - t0
        self._cache[key] = compiled
        return compiled

    def _compile(self, cand: Candidate, sig: Signature, key: str) -> Compiled:
        file = cand.filename

        def fail(diags: list[Diagnostic], log: str = "") -> Compiled:
            return Compiled(CompileResult(ok=False, diagnostics=diags, artifact_key=key, log=log))

        if cand.language not in (None, *self.languages):
            why = NO_SYCL_CXX if cand.language in ("sycl-cpp", "sycl", "cpp") else "use 'opencl-c' or 'spirv'"
            return fail([Diagnostic(severity=Severity.error, file=file, message=(
                f"language {cand.language!r} is not supported by backend 'sycl'; {why}"))])
        front, diags = front_end(cand, sig, self._runtime)
        if front is None:
            return fail(diags)
        rt, module, plan = front.runtime, front.module, front.plan
        opts = [o for o in build_options(cand.options) if o != "-cl-kernel-arg-info"]
        if module is not None:
            out = compiler.build_spirv(rt.queue, rt.ref, module.binary, file, module.payload_line, opts)
        else:
            out = compiler.build(rt.queue, rt.ref, cand.source, file, opts)
        diags += out.diagnostics
        if out.program is None:
            return fail(diags, out.log)
        kernels, kdiags = compiler.check_kernels(out.program, plan, sig, cand.source, file,
                                                 module.kernels if module else None)
        diags += kdiags
        if any(d.severity == Severity.error for d in kdiags):
            return fail(diags, out.log)
        prof = compiler.profile(kernels, rt.ref, opts)
        describe_device(prof, front, devices.describe(self._devices()))
        artifact = runner.Artifact(runtime=rt, program=out.program, kernels=kernels, plan=plan, signature=sig,
                                   work_group_size={n: k.work_group_size for n, k in kernels.items()})
        return Compiled(CompileResult(ok=True, diagnostics=diags, artifact_key=key, profile=prof, log=out.log),
                        artifact)

    # ------------------------------------------------------------ run

    def prepare(self, artifact: runner.Artifact, args: KernelArgs) -> runner.Prepared:
        return runner.prepare(artifact, args)

    def launch(self, prepared: runner.Prepared) -> float | None:
        return runner.launch(prepared)

    def fetch(self, prepared: runner.Prepared) -> dict[str, Any]:
        return runner.fetch(prepared)

    def release(self, prepared: runner.Prepared) -> None:
        runner.release(prepared)
