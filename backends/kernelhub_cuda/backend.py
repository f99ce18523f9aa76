"""CudaBackend: CUDA C++ source with ``extern "C" __global__`` kernels and ``//!`` launch directives
(:mod:`kernelhub.launch`, shared with OpenCL: ``global:`` is the total thread count per dimension,
``local:`` the block size, ``auto`` = 256 threads in x).

Compiled by ``nvcc -cubin -arch=sm_XX -Xptxas -v -lineinfo`` (sm_90 without a GPU); diagnostics go
through the shared compiler-log parser; the ptxas report gives registers, spills, shared memory and
stack per kernel, and occupancy follows from the SM table in :mod:`kernelhub_cuda.nvgpu`. On a GPU the
cubin is loaded and launched through **cupy** (``cupy.RawModule``), timed with CUDA events. Without a
GPU (or without cupy) every result is ``compile_only``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from kernelhub.backend import Backend, CandidateError, Compiled, KernelArgs
from kernelhub.diagnostics import run_compiler
from kernelhub.gpu_lead import HostLead
from kernelhub.launch import LaunchError, LaunchPlan, checked_plan, shape_env
from kernelhub.models import (
    Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Profile, Severity, Signature, Timing,
)

from kernelhub_cuda import nvgpu, tensormap

DEFAULT_BLOCK = 256
#: GPU cycles (~50 us) a one-thread spin kernel keeps the GPU busy before the start event, so the
#: host's launch overhead is not counted as kernel time
SPIN_CYCLES = 100_000
_SPIN_SRC = ('extern "C" __global__ void kh_spin(long long c) {'
             ' long long t = clock64(); while (clock64() - t < c) { } }')


def np_int64(v: int):
    import numpy as np
    return np.int64(v)
FLUSH_BYTES = 256 << 20
INSTALL_NVCC = "install the CUDA toolkit (nvcc) and put it on PATH"
INSTALL_CUPY = "pip install cupy-cuda12x (or the wheel matching the driver's CUDA)"


@dataclass
class Artifact:
    cubin_path: str
    plan: LaunchPlan
    signature: Signature
    arch: int
    resources: dict[str, dict[str, int]]
    module: Any = None     # cupy.RawModule, loaded lazily on a GPU
    functions: dict[str, Any] = field(default_factory=dict)


@dataclass
class Prepared:
    artifact: Artifact
    host: dict[str, Any]
    device: dict[str, Any]
    calls: list[tuple[Any, tuple[int, ...], tuple[int, ...], tuple[Any, ...], int]]
    events: Any = None
    lead: HostLead = field(default_factory=lambda: HostLead(SPIN_CYCLES))


class CudaBackend(Backend):
    cap_address_space = False  # CUDA/XLA reserve address space per device and a thread per core
    name = "cuda"
    languages = ("cuda",)
    description = "CUDA C++ kernels (extern \"C\" __global__) with //! launch directives; nvcc, cupy on the GPU"

    def __init__(self) -> None:
        self.gpu = nvgpu.gpu_present()
        self.timing_method = "CUDA events around the directive launches (cupy)"
        self.device_time = True
        self._tmp: str | None = None
        self._cache: dict[str, Compiled] = {}
        self._flush = None

    # ------------------------------------------------------------ what is here

    def _runnable(self) -> str | None:
        """None when runs work here, else why not."""
        if not self.gpu:
            return nvgpu.no_gpu_reason() + "; compile-only (sm_90 cubin and ptxas resource report)"
        if importlib.util.find_spec("cupy") is None:
            return f"cupy not installed; {INSTALL_CUPY}"
        return None

    def probe(self) -> Availability:
        if shutil.which("nvcc") is None:
            why = f"nvcc not found on PATH; {INSTALL_NVCC}"
            return Availability(compile=False, run=False, time=False, reasons={m: why for m in ("compile", "run", "time")})
        why = self._runnable()
        notes = [f"nvcc: {_nvcc_version()}; target sm_{self.arch()}"]
        if why:
            return Availability(compile=True, run=False, time=False, reasons={"run": why, "time": why}, notes=notes)
        return Availability(compile=True, run=True, time=True, notes=notes + [f"GPU: {', '.join(nvgpu.gpus())}"])

    def arch(self) -> int:
        return nvgpu.compute_capability() if self.gpu else 90

    def device_info(self) -> DeviceInfo:
        if not self.gpu:
            lim = nvgpu.limits(90)
            return DeviceInfo(name="sm_90 (compile-only: no GPU here)", kind="gpu", peaks_measured=False,
                              detail={"target": "sm_90", "sm_limits": vars(lim)})
        name = nvgpu.gpus()[0]
        peaks = nvgpu.declared_peaks(name) or {}
        return DeviceInfo(name=name, kind="gpu", peak_flops_per_s=peaks.get("fp32"), peak_bytes_per_s=peaks.get("bytes"),
                          peaks_measured=False, detail={"declared_peaks": peaks, "compute_capability": self.arch()})

    def version_key(self) -> str:
        return f"{_nvcc_version()};sm_{self.arch()}"

    # ------------------------------------------------------------ compile

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        t0 = time.perf_counter()
        key = self.compile_key(candidate, signature)
        if key in self._cache:
            hit = self._cache[key]
            return Compiled(hit.result.model_copy(update={"cached": True}), hit.artifact, hit.source_path)
        out = self._compile(candidate, signature, key)
        out.result.seconds = time.perf_counter() - t0
        if out.result.ok:
            self._cache[key] = out
        return out

    def _compile(self, cand: Candidate, sig: Signature, key: str) -> Compiled:
        display = cand.filename

        def fail(diags: list[Diagnostic], log: str = "") -> Compiled:
            return Compiled(CompileResult(ok=False, diagnostics=diags, log=log))

        if cand.language not in (None, *self.languages):
            return fail([Diagnostic(severity=Severity.error, file=display,
                                    message=f"language {cand.language!r} is not supported by backend 'cuda'; use 'cuda'")])
        plan, diags = checked_plan(cand.source, display, sig, tensormaps=True, symbols=("sm",))
        if plan is None:
            return fail(diags)
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="kh-cuda-")
        stem = os.path.join(self._tmp, "cand_" + hashlib.sha256(cand.source.encode()).hexdigest()[:12])
        src, cubin = stem + ".cu", stem + ".cubin"
        with open(src, "w") as f:
            f.write(cand.source)
        arch = self.arch()
        extra = cand.options.get("nvcc_options") or []
        extra = extra.split() if isinstance(extra, str) else [str(o) for o in extra]
        # Hopper builds for sm_90a (the cubin is for this device only anyway): wgmma and setmaxnreg
        # exist only there, and the -gencode form keeps nvcc from adding a plain sm_90 pass.
        target = f"-gencode=arch=compute_{arch}a,code=sm_{arch}a" if arch == 90 else f"-arch=sm_{arch}"
        cmd = ["nvcc", "-cubin", target, "-Xptxas", "-v", "-lineinfo", "-O3", *extra, src, "-o", cubin]
        ok, cdiags, log, raw = run_compiler(cmd, "nvcc", src, display, cand.source)
        diags += cdiags
        if not ok:
            return fail(diags, log)
        res = nvgpu.parse_ptxas_v(raw)
        diags += plan.missing_kernels(res, "cubin")
        if any(d.severity == Severity.error for d in diags):
            return fail(diags, log)
        diags += _check_params(cand.source, display, plan, sig)
        if any(d.severity == Severity.error for d in diags):
            return fail(diags, log)
        art = Artifact(cubin_path=cubin, plan=plan, signature=sig, arch=arch, resources=res)
        prof = _profile(plan, res, arch, log)
        why = self._runnable()
        return Compiled(CompileResult(ok=True, diagnostics=diags, profile=prof, log=log, compile_only=why is not None),
                        art, src)

    # ------------------------------------------------------------ run (GPU, cupy)

    def _functions(self, art: Artifact) -> dict[str, Any]:
        import cupy as cp
        if art.module is None:
            art.module = cp.RawModule(path=art.cubin_path)
            art.functions = {k: art.module.get_function(k) for k in art.plan.kernels}
        return art.functions

    def prepare(self, artifact: Artifact, args: KernelArgs) -> Prepared:
        why = self._runnable()
        if why:
            raise CandidateError(f"cannot run here: {why}")
        import cupy as cp
        import numpy as np
        sig = artifact.signature
        env = shape_env(sig, args.arrays, args.params) | {"sm": artifact.arch}
        try:
            launches = artifact.plan.resolve(sig, env)
            scratch = artifact.plan.scratch_sizes(env)
        except LaunchError as e:
            raise CandidateError(str(e)) from None
        fns = self._functions(artifact)
        host = {t.name: np.ascontiguousarray(args.arrays[t.name]) for t in sig.inputs + sig.outputs}
        dev = {k: cp.asarray(v) for k, v in host.items()}
        for name, (dt, n, _) in scratch.items():
            dev[name] = (cp.asarray(np.full(max(n, 1), np.nan, dtype=dt)) if np.dtype(dt).kind == "f"
                         else cp.full(max(n, 1) * np.dtype(dt).itemsize, 0xFF, dtype=np.uint8).view(dt))
        calls = []
        for launch in launches:
            block = tuple(launch.local_size) if launch.local_size else (DEFAULT_BLOCK,) + (1,) * (len(launch.global_size) - 1)
            if launch.local_size is None:
                block = tuple(min(b, g) if i == 0 else 1 for i, (b, g) in enumerate(zip(block, launch.global_size)))
                if launch.global_size[0] % block[0]:
                    block = (math.gcd(launch.global_size[0], DEFAULT_BLOCK),) + block[1:]
            if math.prod(block) > 1024:
                w = launch.local_where or launch.where
                raise CandidateError(f"{w.file}:{w.line}: block of {math.prod(block)} threads exceeds CUDA's 1024")
            grid = tuple(g // b for g, b in zip(launch.global_size, block))
            values, shared = [], 0
            for a in launch.args:
                if a.kind == "local":
                    shared += a.nbytes  # dynamic shared memory (extern __shared__), not a parameter
                elif a.kind == "param":
                    values.append(a.value)
                elif a.kind == "tensormap":
                    values.append(_tensormap(dev[a.name], a))
                else:
                    values.append(dev[a.name])
            if shared > 48 * 1024:  # past 48 KiB a kernel's dynamic shared memory must be opted into
                fns[launch.kernel].max_dynamic_shared_size_bytes = shared
            fn = fns[launch.kernel]
            if any(isinstance(v, bytes) for v in values):  # a struct by value: cupy cannot pass it
                fn = tensormap.RawLaunch(fn.kernel.ptr, grid, block, shared, values)  # RawKernel -> CUfunction
            calls.append((fn, grid, block, tuple(values), shared))
        ev = (cp.cuda.Event(), cp.cuda.Event())
        cp.cuda.Device().synchronize()
        return Prepared(artifact, host, dev, calls, ev)

    def launch(self, prepared: Prepared) -> float | None:
        import cupy as cp
        start, end = prepared.events
        with prepared.lead.ahead(self._busy_wait):  # host launch overhead overlaps GPU work
            start.record()
            self._guarded(lambda: self._enqueue_calls(prepared))
            end.record()
        self._guarded(end.synchronize)
        return cp.cuda.get_elapsed_time(start, end) * 1e-3

    def _busy_wait(self, cycles: int) -> None:
        self._guarded(lambda: self._spin()((1,), (1,), (np_int64(cycles),)))

    def _enqueue_calls(self, prepared: Prepared) -> None:
        import cupy as cp
        stream = cp.cuda.get_current_stream().ptr
        for fn, grid, block, values, shared in prepared.calls:
            if isinstance(fn, tensormap.RawLaunch):
                fn(stream)
            else:
                fn(grid, block, values, shared_mem=shared)

    def _guarded(self, step: Any) -> Any:
        """Run a step that may surface a kernel fault: CUDA errors from a kernel poison the context,
        so the worker is retired (``healthy``) and the candidate hears what happened."""
        import cupy as cp
        try:
            return step()
        except (cp.cuda.driver.CUDADriverError, cp.cuda.runtime.CUDARuntimeError, RuntimeError) as e:
            self._sticky_error = str(e)
            raise CandidateError(f"CUDA error: {e}") from None

    def healthy(self) -> bool:
        """False once a kernel fault poisoned the CUDA context (it is sticky for the process)."""
        if getattr(self, "_sticky_error", None) is not None:
            return False
        import sys
        cp = sys.modules.get("cupy")
        if cp is None:
            return True
        try:
            cp.cuda.runtime.deviceSynchronize()
            return True
        except Exception as e:
            self._sticky_error = str(e)
            return False

    def _spin(self) -> Any:
        if getattr(self, "_spin_kernel", None) is None:
            import cupy as cp
            self._spin_kernel = cp.RawKernel(_SPIN_SRC, "kh_spin")
        return self._spin_kernel

    def fetch(self, prepared: Prepared) -> dict[str, Any]:
        return {k: prepared.device[k].get() for k in prepared.host}

    def release(self, prepared: Prepared) -> None:
        prepared.device.clear()

    def flush_cache(self) -> None:
        if not self.gpu:
            return super().flush_cache()
        import cupy as cp
        if self._flush is None:
            self._flush = cp.empty(FLUSH_BYTES, dtype=cp.uint8)
        self._flush.fill(0)

    def counters(self, candidate: Candidate, args: KernelArgs, shape_label: str) -> Profile:
        """Nsight Compute's counters of one call, replayed in a child process (``kernelhub.ncu``)."""
        from kernelhub import ncu
        why = self._runnable()
        if why:
            return ncu.unavailable(why)
        return ncu.collect(self, candidate, args, shape_label)

    def time_reference(self, task, arrays, shape, policy, clock) -> Timing:
        from kernelhub.gpu_baseline import time_reference
        return time_reference(self, task, arrays, shape, policy, clock, on_gpu=self.gpu)


# ---------------------------------------------------------------- helpers


def _tensormap(array: Any, arg: Any) -> bytes:
    """The TMA descriptor of a ``tensormap(...)`` argument over a device array, or a CandidateError
    that names the directive and the broken constraint."""
    box, swizzle = arg.value
    try:
        return tensormap.encode(array.data.ptr, array.shape, array.dtype.name, box, swizzle)
    except ValueError as e:
        w = arg.where
        raise CandidateError(f"{w.file}:{w.line}:{w.column}: tensormap({arg.name}, ...) for shape "
                             f"{list(array.shape)}: {e}. Guard this launch with `//! when:` (e.g. "
                             "`K % 8 == 0`) and give a general launch for the other shapes") from None


def _nvcc_version() -> str:
    try:
        out = subprocess.run(["nvcc", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "nvcc missing"
    m = re.search(r"release ([\d.]+), V([\d.]+)", out)
    return f"nvcc {m.group(2)}" if m else "nvcc (unknown version)"


_CTYPES = {"int64": {"long", "long long", "int64_t", "long int", "ptrdiff_t", "size_t", "unsigned long",
                     "unsigned long long", "uint64_t", "ssize_t", "long long int"},
           "int32": {"int", "int32_t", "unsigned", "unsigned int", "uint32_t"},
           "float32": {"float"}, "float64": {"double"}}


def _check_params(source: str, display: str, plan: LaunchPlan, sig: Signature) -> list[Diagnostic]:
    """Count and scalar widths of each kernel's parameters against its launch's argument list (the
    classic bug: an ``int n`` receiving an int64 param reads garbage in every later argument)."""
    from kernelhub_opencl.compiler import expected_args  # pure helper (no pyopencl import)
    diags: list[Diagnostic] = []
    for launch in plan.launches:
        m = re.search(r"__global__\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?void\s+" + re.escape(launch.kernel) + r"\s*\(",
                      source)
        if not m:
            continue
        depth, i = 1, m.end()
        while i < len(source) and depth:
            depth += {"(": 1, ")": -1}.get(source[i], 0)
            i += 1
        raw = [p.strip() for p in source[m.end():i - 1].split(",") if p.strip()]
        want = [a for a in expected_args(plan, launch, sig) if a.kind != "local"]
        where = launch.args_where or launch.where
        if len(raw) != len(want):
            diags.append(where.diagnostic(
                f"kernel {launch.kernel!r} takes {len(raw)} parameter(s) but the launch passes {len(want)}: "
                f"{', '.join(a.name for a in want)} (local(...) entries become dynamic shared memory, not parameters)"))
            continue
        for k, (text, exp) in enumerate(zip(raw, want)):
            if exp.kind == "tensormap":
                name = text.split()[-1].strip("*&")
                if "*" in text or "&" in text:
                    diags.append(where.diagnostic(
                        f"parameter {k} `{text}` of {launch.kernel!r} receives the TMA descriptor of {exp.name!r} by "
                        f"value; declare it `const __grid_constant__ CUtensorMap {name}`"))
                elif "__grid_constant__" not in text:
                    diags.append(where.diagnostic(
                        f"parameter {k} `{text}` of {launch.kernel!r} (the TMA descriptor of {exp.name!r}) needs "
                        f"`const __grid_constant__`: without it the kernel copies the descriptor to local memory and "
                        f"the copy engine cannot read it there; declare `const __grid_constant__ CUtensorMap {name}`"))
                continue
            if exp.kind != "param":
                if "*" not in text:
                    diags.append(where.diagnostic(f"parameter {k} `{text}` of {launch.kernel!r} receives the array "
                                                  f"{exp.name!r}; declare it as a pointer"))
                continue
            base = re.sub(r"\b(const|volatile|__restrict__|register)\b", "", text).strip()
            base = " ".join(base.split()[:-1]) if len(base.split()) > 1 else base
            ok = _CTYPES.get(exp.dtype)
            if ok and base not in ok and "*" not in text:
                diags.append(where.diagnostic(
                    f"parameter {k} `{text}` of {launch.kernel!r} receives {exp.name!r} as {exp.dtype}; declare it "
                    f"`{ {'int64': 'long long', 'int32': 'int', 'float32': 'float', 'float64': 'double'}[exp.dtype] } "
                    f"{text.split()[-1]}`"))
    return diags


def _block_threads(plan: LaunchPlan, kernel: str) -> int | None:
    from kernelhub import expr
    for launch in plan.launches:
        if launch.kernel == kernel:
            if launch.local_size is None:
                return DEFAULT_BLOCK
            try:
                return math.prod(int(expr.evaluate(e.text, {})) for e in launch.local_size)
            except Exception:
                return None
    return None


def _profile(plan: LaunchPlan, res: dict[str, dict[str, int]], arch: int, log: str) -> Profile:
    per: dict[str, Any] = {}
    for k in plan.kernels:
        e = dict(res.get(k, {}))
        threads = _block_threads(plan, k)
        dyn = sum(a.count is not None for launch in plan.launches if launch.kernel == k for a in (launch.args or [])
                  if a.kind == "local")
        if threads:
            e["occupancy"] = nvgpu.occupancy(e.get("registers", 0), threads, e.get("static_shared_bytes", 0), arch)
            if dyn:
                e["occupancy"]["note"] = "dynamic shared memory (local(...) args) not counted"
        per[k] = e
    head: dict[str, float | int | str] = {"target": f"sm_{arch}", "kernels": len(per)}
    if per:
        vals = list(per.values())
        head["registers"] = max(v.get("registers", 0) for v in vals)
        head["spill_bytes"] = max(v.get("spill_store_bytes", 0) + v.get("spill_load_bytes", 0) for v in vals)
        head["shared_bytes"] = max(v.get("static_shared_bytes", 0) for v in vals)
        head["stack_bytes"] = max(v.get("stack_bytes", 0) for v in vals)
        occ = [v["occupancy"]["occupancy"] for v in vals if "occupancy" in v]
        if occ:
            head["occupancy"] = min(occ)
    return Profile(platform=f"cuda-sm_{arch}", headline=head, static=True,
                   detail={"kernels": per, "ptxas_log": log[-4000:]})
