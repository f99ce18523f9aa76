"""OpenCLBackend: OpenCL C candidates on any OpenCL device (PoCL on the CPU, GPU drivers)."""

from __future__ import annotations

import time
from typing import Any

from kernelhub.backend import Backend, Compiled, KernelArgs
from kernelhub.errors import UserError
from kernelhub.models import (
    Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Severity, Signature,
)

from kernelhub_opencl import compiler, devices, runner
from kernelhub_opencl.frontend import describe_device, front_end

INSTALL_PYOPENCL = "pip install pyopencl (or pip install 'kernelhub[opencl]')"
INSTALL_DRIVER = ("apt-get install pocl-opencl-icd (PoCL, OpenCL on the CPU), or install your GPU vendor's "
                  "OpenCL driver (ICD)")


class OpenCLBackend(Backend):
    name = "opencl"
    languages = ("opencl-c", "spirv")
    description = ("OpenCL C kernels (or SPIR-V modules) with //! launch directives, on any OpenCL device "
                   "(PoCL CPU, Intel CPU runtime, GPUs)")
    timing_method = "opencl profiling events (first START to last END)"
    device_time = True

    def __init__(self, device: int | None = None, label: str = "") -> None:
        #: a backend pinned to one device (``opencl:<index>``) ignores KERNELHUB_OPENCL_DEVICE
        self._pinned = device
        if device is not None:
            self.name = f"{OpenCLBackend.name}:{device}"
            self.description = f"{OpenCLBackend.description}; pinned to device [{device}] {label}".rstrip()
        self._runtimes: dict[int, runner.Runtime] = {}
        self._cache: dict[str, Compiled] = {}
        self._version: str | None = None
        self._flush_buf: Any = None

    # ------------------------------------------------------------ devices

    def _devices(self) -> list[devices.DeviceRef]:
        return devices.all_devices()

    @property
    def worker_env(self) -> dict[str, str]:  # type: ignore[override]
        """The vendors directory naming drivers without a working ICD file (see icd.py)."""
        from kernelhub_opencl import icd
        return icd.icd_env()

    def _select(self, selector: str | int | None = None) -> devices.DeviceRef:
        if selector in (None, "") and self._pinned is not None:
            selector = str(self._pinned)
        return devices.select(self._devices(), selector)

    def _runtime(self, selector: str | int | None = None) -> runner.Runtime:
        ref = self._select(selector)
        if ref.index not in self._runtimes:
            self._runtimes[ref.index] = runner.Runtime.create(ref)
        return self._runtimes[ref.index]

    # ------------------------------------------------------------ what is here

    def probe(self) -> Availability:
        try:
            import pyopencl  # noqa: F401
        except Exception as e:  # ImportError, or a broken ICD loader
            why = f"pyopencl cannot be imported ({type(e).__name__}: {e}); {INSTALL_PYOPENCL}"
            return Availability(compile=False, run=False, time=False,
                                reasons={m: why for m in ("compile", "run", "time")})
        refs = self._devices()
        if not refs:
            why = f"pyopencl found no OpenCL platform or device; {INSTALL_DRIVER}"
            return Availability(compile=False, run=False, time=False,
                                reasons={m: why for m in ("compile", "run", "time")})
        from kernelhub_opencl import icd
        notes = devices.describe(refs) + icd.describe()
        try:
            chosen = self._select()
        except UserError as e:
            why = str(e)
            return Availability(compile=False, run=False, time=False, notes=notes,
                                reasons={m: why for m in ("compile", "run", "time")})
        how = (f"backend pinned to it; `opencl` takes {devices.ENV_VAR}" if self._pinned is not None
               else f"override: {devices.ENV_VAR}=INDEX|SUBSTRING, or the backend opencl:INDEX")
        notes.append(f"selected [{chosen.index}] {chosen.label} ({how}, or candidate option `device`)")
        from kernelhub_opencl import spirv  # not at import: `python -m kernelhub_opencl.spirv` runs it
        notes.append(spirv.probe_note([f"[{r.index}]" for r in refs if loads_spirv(r.device)]))
        return Availability(compile=True, run=True, time=True, notes=notes)

    def device_info(self) -> DeviceInfo:
        rt = self._runtime()
        ref = rt.ref
        detail = ref.detail()
        detail["devices"] = devices.describe(self._devices())
        if ref.kind == "cpu":
            from kernelhub.cpu import host_device_info
            host = host_device_info()
            detail["peak_method"] = "host CPU: " + str(host.detail.get("peak_method", ""))
            return DeviceInfo(name=ref.device.name.strip(), kind="cpu", peak_flops_per_s=host.peak_flops_per_s,
                              peak_bytes_per_s=host.peak_bytes_per_s, peaks_measured=host.peaks_measured,
                              detail=detail)
        bw = self._measure_bandwidth(rt)
        if bw is not None:
            detail["peak_method"] = "device-to-device copy of 256 MiB, profiling events; FLOP/s not measured"
        return DeviceInfo(name=ref.device.name.strip(), kind="gpu" if ref.kind == "gpu" else "other",
                          peak_flops_per_s=None, peak_bytes_per_s=bw, peaks_measured=bw is not None,
                          detail=detail)

    @property
    def cap_address_space(self) -> bool:  # type: ignore[override]
        """GPU drivers (and torch's CUDA baseline) reserve address space per device: on a GPU
        the worker relies on the resident-memory watchdog alone."""
        try:
            return self._runtime().ref.kind != "gpu"
        except Exception:
            return True

    def time_reference(self, task: Any, arrays: Any, shape: Any, policy: Any, clock: Any) -> Any:
        """On an NVIDIA GPU, the torch baseline on that GPU (NumPy on the host would make the
        speedup a GPU-vs-CPU comparison); elsewhere the shared NumPy baseline."""
        from kernelhub.gpu_baseline import time_reference
        ref = self._runtime().ref
        on_nvidia_gpu = ref.kind == "gpu" and "nvidia" in ref.device.vendor.lower()
        return time_reference(self, task, arrays, shape, policy, clock, on_gpu=on_nvidia_gpu)

    @staticmethod
    def _measure_bandwidth(rt: runner.Runtime) -> float | None:
        """Best of a few buffer copies (read + write bytes over device time)."""
        import pyopencl as cl
        try:
            n = min(256 << 20, rt.ref.device.max_mem_alloc_size // 2)
            a = cl.Buffer(rt.ctx, cl.mem_flags.READ_WRITE, size=n)
            b = cl.Buffer(rt.ctx, cl.mem_flags.READ_WRITE, size=n)
            best = float("inf")
            for _ in range(5):
                ev = cl.enqueue_copy(rt.queue, b, a, byte_count=n)
                ev.wait()
                best = min(best, (ev.profile.end - ev.profile.start) * 1e-9)
            a.release()
            b.release()
            return 2 * n / best if best > 0 else None
        except cl.Error:
            return None

    def version_key(self) -> str:
        if self._version is None:
            try:
                import pyopencl as cl
                parts = [f"pyopencl {cl.VERSION_TEXT}"]
                parts += [f"{r.platform.version.strip()}|{r.device.name.strip()}|{r.device.version.strip()}|"
                          f"{r.device.driver_version.strip()}" for r in self._devices()]
                self._version = ";".join(parts)
            except Exception as e:
                self._version = f"unavailable: {type(e).__name__}"
        return self._version

    # ------------------------------------------------------------ compile

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        t0 = time.perf_counter()
        key = self.compile_key(candidate, signature)
        hit = self._cache.get(key)
        if hit is not None:
            result = hit.result.model_copy(update={"cached": True, "seconds": time.perf_counter() - t0})
            return Compiled(result=result, artifact=hit.artifact)
        compiled = self._compile(candidate, signature, key)
        compiled.result.seconds = time.perf_counter() - t0
        self._cache[key] = compiled
        return compiled

    def _compile(self, cand: Candidate, sig: Signature, key: str) -> Compiled:
        file = cand.filename

        def fail(diags: list[Diagnostic], log: str = "") -> Compiled:
            return Compiled(CompileResult(ok=False, diagnostics=diags, artifact_key=key, log=log))

        if cand.language not in (None, *self.languages):
            return fail([Diagnostic(severity=Severity.error, file=file, message=(
                f"language {cand.language!r} is not supported by backend 'opencl'; use 'opencl-c' or 'spirv'"))])
        front, diags = front_end(cand, sig, self._runtime)
        if front is None:
            return fail(diags)
        rt, module, plan = front.runtime, front.module, front.plan
        opts = compiler.build_options(cand.options)
        if module is not None and not loads_spirv(rt.ref.device):
            usable = [f"[{r.index}] {r.label}" for r in self._devices() if loads_spirv(r.device)]
            return fail(diags + [Diagnostic(severity=Severity.error, file=file, message=(
                f"device [{rt.ref.index}] {rt.ref.label} cannot load SPIR-V (it reports no IL version); "
                f"devices that can: {', '.join(usable) or 'none here'} (option `device`, or opencl:INDEX)"))])
        out = compiler.build(rt.ctx, rt.ref.device, module.binary if module else cand.source, file, opts)
        if module is not None:  # a driver's message on a binary points at the payload
            for d in out.diagnostics:
                d.line = d.line or module.payload_line
        diags += out.diagnostics
        if out.program is None:
            return fail(diags, out.log)
        kernels, kdiags = compiler.check_kernels(out.program, rt.ref.device, plan, sig, cand.source, file,
                                                 module.kernels if module else None)
        diags += kdiags
        if any(d.severity == Severity.error for d in kdiags):
            return fail(diags, out.log)
        prof = compiler.profile(kernels, rt.ref.device, out.log, opts)
        per = prof.detail["kernels"]
        artifact = runner.Artifact(
            runtime=rt, program=out.program, kernels=kernels, plan=plan, signature=sig,
            work_group_size={k: v["work_group_size"] for k, v in per.items() if "work_group_size" in v},
            static_local_mem={k: v["local_mem_bytes"] for k, v in per.items() if "local_mem_bytes" in v})
        describe_device(prof, front, devices.describe(self._devices()))
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

    def flush_cache(self) -> None:
        """CPU devices share the host's caches; a GPU's L2 is flushed by filling a larger buffer."""
        rts = list(self._runtimes.values())
        if not rts or rts[-1].ref.kind == "cpu":
            super().flush_cache()
            return
        import numpy as np
        import pyopencl as cl
        rt = rts[-1]
        size = max(2 * rt.ref.device.global_mem_cache_size, 8 << 20)
        if self._flush_buf is None:
            self._flush_buf = cl.Buffer(rt.ctx, cl.mem_flags.READ_WRITE, size=size)
        cl.enqueue_fill_buffer(rt.queue, self._flush_buf, np.uint8(0), 0, size).wait()


def loads_spirv(device: Any) -> bool:
    """OpenCL 2.1+ IL support (clCreateProgramWithIL): PoCL 3.1 as Debian builds it has none."""
    try:
        return bool(device.il_version.strip())
    except Exception:
        return False
