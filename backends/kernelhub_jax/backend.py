"""The JAX backends: ``jax`` (JAX's default device: XLA:CPU here with Pallas kernels in interpret
mode, the GPU or TPU where one is present) and ``jax-tpu-<gen>`` (compile-only for a TPU
generation through ``jax.experimental.topologies``: the real XLA/Mosaic TPU compile, its
diagnostics, memory and cost analysis, and an estimated roofline from the generation's peaks).

A candidate is a Python module whose entry ``kernel(*inputs, *params)`` returns the outputs. It
is traced by ``jax.jit`` with the params static, once at compile time on the task's first visible
shape (tracing errors, wrong outputs and host callbacks are compile-time findings with a line)
and again by JAX for every new shape at run time. JAX imports happen only in worker processes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Mapping

from kernelhub.backend import Backend, CandidateError, Compiled, KernelArgs, TimedRun, TimingPolicy, repeat_timed
from kernelhub.models import (
    Availability, Candidate, CompileResult, DeviceInfo, Diagnostic, Profile, Severity, Signature, Task, Timing,
)

from kernelhub_jax import platform as plat
from kernelhub_jax.generations import GENERATIONS, TpuGeneration, estimate

GPU_FLUSH_BYTES = 256 << 20


@dataclass
class Artifact:
    module: Any
    entry: Any
    jitted: Any
    source_path: str
    display: str
    source: str
    signature: Signature
    language: str
    scan: Any = None
    shape: dict[str, int] = field(default_factory=dict)


@dataclass
class Prepared:
    artifact: Artifact
    args: KernelArgs
    inputs: list[Any]
    params: list[Any]
    result: Any = None


def _versions() -> str:
    parts = []
    for dist in ("jax", "jaxlib", "libtpu"):
        try:
            parts.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist}=missing")
    return ";".join(parts)


def _fail(diags: list[Diagnostic], log: str = "", path: str | None = None) -> Compiled:
    return Compiled(CompileResult(ok=False, diagnostics=diags, log=log), None, path)


class _JaxCommon(Backend):
    """Loading, tracing and the static checks shared by the runnable and the compile-only backends."""
    cap_address_space = False  # CUDA/XLA reserve address space per device and a thread per core

    languages = ("jax", "pallas")

    def __init__(self) -> None:
        self._tmp: str | None = None
        self._seq = 0

    def version_key(self) -> str:
        return _versions() + f";{self.name}"

    # ------------------------------------------------------------ compile front half

    def _load(self, cand: Candidate, sig: Signature) -> tuple[Artifact | None, Compiled | None]:
        from kernelhub_jax import loader, trace
        lang = cand.language or self.default_language
        if lang not in self.languages:
            return None, _fail([Diagnostic(severity=Severity.error, file=cand.filename, message=(
                f"language {lang!r} is not supported by backend {self.name!r}; use one of {list(self.languages)}"))])
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="kh-jax-")
        self._seq += 1
        digest = hashlib.sha256(cand.source.encode()).hexdigest()[:12]
        modname = f"kh_jax_cand_{digest}_{self._seq}"
        path = os.path.join(self._tmp, f"{modname}.py")
        with open(path, "w") as f:
            f.write(cand.source)
        loaded = loader.load(path, modname, cand.filename, cand.source, cand.entry or "kernel", sig)
        if loaded.module is None:
            return None, _fail(loaded.diagnostics, loaded.log, path)
        art = Artifact(module=loaded.module, entry=loaded.entry, jitted=trace.make_jitted(loaded.entry, sig),
                       source_path=path, display=cand.filename, source=cand.source, signature=sig, language=lang)
        return art, None

    def _shape(self, cand: Candidate, sig: Signature) -> tuple[dict[str, int], Task | None, str]:
        """The shape compile traces at: ``options['shape']``, else the first visible shape of the
        registered task with this signature, else every symbol = 64."""
        from kernelhub.plugins import registry
        from kernelhub_jax.trace import DRY_RUN_EXTENT
        task = next((t for t in registry().tasks.values() if t.signature == sig), None)
        given = cand.options.get("shape")
        if given:
            return {k: int(v) for k, v in given.items()}, task, "options['shape']"
        if task is not None:
            return dict(task.visible_shapes[0]), task, f"task {task.name!r} visible[0]"
        return {s: DRY_RUN_EXTENT for s in sig.symbols()}, None, f"every symbol = {DRY_RUN_EXTENT}"

    def _trace(self, art: Artifact, shape: Mapping[str, int], sharding: Any = None) -> tuple[Any, Compiled | None]:
        """Trace at one shape: (jax Traced, None) or (None, a failed Compiled with the line)."""
        from kernelhub_jax import trace
        from kernelhub_jax.errors import diagnostic, from_exception
        sym = ", ".join(f"{k}={v}" for k, v in shape.items())
        try:
            traced = art.jitted.trace(*trace.abstract_args(art.signature, shape, sharding))
        except Exception as e:
            d, log = from_exception(e, art.source_path, art.display, art.source, f"while tracing the entry at {sym}")
            return None, _fail([d], log, art.source_path)
        try:
            trace.check_outputs(traced.out_info, art.signature, shape)
        except trace.OutputMismatch as e:
            line = _return_line(art)
            return None, _fail([diagnostic(f"wrong outputs: {e}", art.display, art.source, line)], "", art.source_path)
        art.scan = trace.scan(traced.jaxpr)
        art.shape = dict(shape)
        return traced, None

    def static_integrity(self, artifact: Artifact) -> list[tuple[str, str, str]]:
        if artifact is None or artifact.scan is None:
            return []
        s = artifact.scan
        out = []
        if s.callbacks:
            out.append(("host_compute", "fail", f"the traced computation calls back into Python on the host "
                        f"({', '.join(sorted(set(s.callbacks)))}): compute with jax.numpy/lax or Pallas instead"))
        else:
            out.append(("host_compute", "pass", "no host callbacks in the traced computation"))
        if artifact.language == "pallas":
            if not s.pallas_calls:
                out.append(("own_kernel", "fail", "a 'pallas' candidate must do its work in pl.pallas_call kernels; "
                            "the traced computation launches none"))
            elif s.heavy_outside:
                out.append(("own_kernel", "fail", f"{', '.join(sorted(set(s.heavy_outside)))} outside the Pallas "
                            "kernels: the task's main work must be in pl.pallas_call"))
            else:
                out.append(("own_kernel", "pass", f"{len(s.pallas_calls)} pallas_call(s); no matmul/convolution "
                            "outside them"))
        return out

    def _profile_detail(self, art: Artifact, origin: str) -> dict[str, Any]:
        s = art.scan
        return {"traced_at": art.shape, "shape_from": origin, "language": art.language,
                "pallas_calls": s.pallas_calls if s else [], "jaxpr_equations": s.primitives if s else 0}


def _return_line(art: Artifact) -> int | None:
    """The line of the entry's last ``return`` (where a wrong-output diagnostic belongs)."""
    import ast
    try:
        tree = ast.parse(art.source)
    except SyntaxError:
        return None
    name = getattr(art.entry, "__name__", "kernel")
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            rets = [n.lineno for n in ast.walk(node) if isinstance(n, ast.Return)]
            return max(rets) if rets else node.lineno
    return None


# ==================================================================== jax (default device)


class JaxBackend(_JaxCommon):
    name = "jax"
    description = ("Python modules: jax.numpy/lax or Pallas kernels, traced by jax.jit on JAX's default device "
                   "(XLA:CPU with Pallas in interpret mode here; GPU or TPU where present)")

    def __init__(self) -> None:
        super().__init__()
        self.platform = plat.default_platform()
        self.worker_env = plat.worker_env(self.platform)
        self.device_time = False
        self.interpreted = False
        self.timing_method = self._method(pallas=False)
        self._flush_buf = None
        self._interpret_set = False
        self._cache: dict[str, Compiled] = {}
        self._ref_cache: dict[str, Any] = {}

    def _method(self, pallas: bool) -> str:
        if self.platform == "cpu":
            if pallas:
                return ("Pallas TPU interpret mode on XLA:CPU, host perf_counter around the call and "
                        "block_until_ready (interpreted: not a TPU or GPU time)")
            return "XLA:CPU, host perf_counter around the call and block_until_ready (CPU, host-timed)"
        return (f"JAX on the {self.platform.upper()}: host perf_counter around the call and block_until_ready "
                "after warm-up (includes dispatch; no device events)")

    # ------------------------------------------------------------ what is here

    def probe(self) -> Availability:
        missing = plat.jax_missing()
        if missing:
            return Availability(compile=False, run=False, time=False,
                                reasons={m: missing for m in ("compile", "run", "time")})
        if self.platform == "cpu":
            note = ("CPU mode: run and check through XLA:CPU; Pallas kernels run in Pallas' TPU interpret mode "
                    "(uninitialised memory is NaN); timings are CPU host time, or interpreted for Pallas "
                    "(no GPU or TPU here; jax-tpu-* backends compile for TPUs without one)")
        elif self.platform == "gpu":
            note = "GPU mode: XLA and Pallas (Triton/Mosaic GPU lowering) on the NVIDIA GPU; host-timed after block_until_ready"
        else:
            note = f"{self.platform.upper()} mode: JAX's default device; host-timed after block_until_ready"
        return Availability(compile=True, run=True, time=True, notes=[note, _versions()])

    def device_info(self) -> DeviceInfo:
        if self.platform == "cpu":
            from kernelhub.cpu import host_device_info
            info = host_device_info()
            return info.model_copy(update={"name": f"XLA:CPU on {info.name}",
                                           "detail": {**info.detail, "platform": "cpu"}})
        if self.platform == "gpu":
            try:
                from kernelhub_cuda import nvgpu
                name = nvgpu.gpus()[0]
                peaks = nvgpu.declared_peaks(name) or {}
                return DeviceInfo(name=name, kind="gpu", peak_flops_per_s=peaks.get("fp32"),
                                  peak_bytes_per_s=peaks.get("bytes"), peaks_measured=False,
                                  detail={"declared_peaks": peaks, "platform": "gpu"})
            except Exception as e:  # no nvgpu helper: name only
                return DeviceInfo(name="NVIDIA GPU (JAX)", kind="gpu", detail={"error": str(e)})
        return DeviceInfo(name=f"JAX default device ({self.platform})", kind="tpu" if self.platform == "tpu" else "other")

    # ------------------------------------------------------------ compile

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        t0 = time.perf_counter()
        key = self.compile_key(candidate, signature)
        if key in self._cache:
            hit = self._cache[key]
            return Compiled(hit.result.model_copy(update={"cached": True}), hit.artifact, hit.source_path)
        self._setup()
        art, failed = self._load(candidate, signature)
        if failed is not None:
            return failed
        shape, _, origin = self._shape(candidate, signature)
        _, failed = self._trace(art, shape)
        if failed is not None:
            return failed
        s = art.scan
        headline: dict[str, float | int | str] = {"platform": self.platform, "pallas_calls": len(s.pallas_calls),
                                                  "jaxpr_equations": s.primitives}
        if s.pallas_calls:
            headline["vmem_block_bytes"] = s.vmem_bytes
            headline["mode"] = "pallas-interpret" if self.platform == "cpu" else "pallas"
        profile = Profile(platform=f"jax-{self.platform}", headline=headline,
                          detail=self._profile_detail(art, origin), static=True)
        result = CompileResult(ok=True, profile=profile, seconds=time.perf_counter() - t0,
                               log=f"traced at {shape} ({origin})")
        compiled = Compiled(result, art, art.source_path)
        self._cache[key] = compiled
        return compiled

    def _setup(self) -> None:
        """On the CPU, every pallas_call runs in Pallas' TPU interpret mode (uninitialised memory
        reads as NaN, so a kernel that skips part of an output block shows up as never written)."""
        if self._interpret_set or self.platform != "cpu":
            return
        from jax.experimental.pallas import tpu as pltpu
        pltpu.set_tpu_interpret_mode(pltpu.InterpretParams(uninitialized_memory="nan"))
        self._interpret_set = True

    # ------------------------------------------------------------ run

    def prepare(self, artifact: Artifact, args: KernelArgs) -> Prepared:
        import jax
        import numpy as np
        sig = args.signature
        inputs = [jax.device_put(np.ascontiguousarray(args.arrays[t.name])) for t in sig.inputs]
        jax.block_until_ready(inputs)
        params = []
        for p in sig.params:
            v = args.params[p.name]
            params.append(float(v) if p.dtype.startswith("float") else int(v))
        return Prepared(artifact=artifact, args=args, inputs=inputs, params=params)

    def launch(self, prepared: Prepared) -> float | None:
        import jax
        art = prepared.artifact
        try:
            prepared.result = jax.block_until_ready(art.jitted(*prepared.inputs, *prepared.params))
        except Exception as e:
            from kernelhub_jax.errors import from_exception
            d, _ = from_exception(e, art.source_path, art.display, art.source, "while running")
            where = f"{art.display}:{d.line}: " if d.line else ""
            raise CandidateError(where + d.message) from None
        return None

    def fetch(self, prepared: Prepared) -> dict[str, Any]:
        """Outputs are returned by the entry, then copied into the harness's poisoned arrays (so an
        element the kernel left as NaN still counts as never written); inputs come back from the
        device, so a donated or deleted input buffer is caught."""
        import numpy as np
        from kernelhub_jax import trace
        sig = prepared.args.signature
        shape = {**_shape_of(prepared.args), **{p.name: v for p, v in zip(sig.params, prepared.params)}}
        try:
            trace.check_outputs(prepared.result, sig, shape)
        except trace.OutputMismatch as e:
            raise CandidateError(f"wrong outputs: {e}") from None
        out = dict(prepared.args.arrays)
        for spec, value in zip(sig.outputs, trace.as_tuple(prepared.result, sig)):
            host = np.asarray(value)
            target = out[spec.name]
            if isinstance(target, np.ndarray) and target.flags.writeable and target.shape == host.shape:
                np.copyto(target, host)
            else:
                out[spec.name] = np.array(host)
        for spec, dev in zip(sig.inputs, prepared.inputs):
            try:
                out[spec.name] = np.asarray(dev)
            except RuntimeError as e:  # a deleted (donated) buffer
                raise CandidateError(f"input {spec.name!r} was donated or deleted by the kernel: {e}") from None
        return out

    def release(self, prepared: Prepared) -> None:
        prepared.inputs.clear()
        prepared.result = None

    def time(self, artifact: Artifact, args: KernelArgs, policy: TimingPolicy, clock: Any) -> TimedRun:
        timed = super().time(artifact, args, policy, clock)
        pallas = bool(artifact.scan and artifact.scan.pallas_calls)
        interpreted = pallas and self.platform == "cpu"
        timed.timing = timed.timing.model_copy(update={"interpreted": interpreted,
                                                       "method": self._method(pallas)})
        return timed

    def flush_cache(self) -> None:
        if self.platform == "cpu":
            return super().flush_cache()
        import jax.numpy as jnp
        if self._flush_buf is None:
            self._flush_buf = jnp.zeros(GPU_FLUSH_BYTES // 4, jnp.float32)
        self._flush_buf = (self._flush_buf + 1.0).block_until_ready()

    # ------------------------------------------------------------ baseline

    def time_reference(self, task: Task, arrays: dict[str, Any], shape: dict[str, int],
                       policy: TimingPolicy, clock: Any) -> Timing:
        """The task's jnp version on the same device and loop: ``framework_references['jax']`` if the
        task has one, else the suite's plain JAX starter; the NumPy reference where neither loads."""
        import jax
        fn, what, kwargs = self._reference(task)
        if fn is None:
            from kernelhub.baseline import time_reference as numpy_reference
            t = numpy_reference(self, task, arrays, shape, policy, clock)
            return t.model_copy(update={"method": f"{t.method} ({what})"})
        sig = task.signature
        inputs = {t.name: jax.device_put(arrays[t.name]) for t in sig.inputs}
        from kernelhub.taskrt import params_for
        params = params_for(task, shape)
        if kwargs:
            def call() -> None:
                jax.block_until_ready(fn(**inputs, **params))
        else:
            from kernelhub_jax import trace
            pos = list(inputs.values()) + trace.param_values(sig, shape)

            def call() -> None:
                jax.block_until_ready(fn(*pos))
        samples, host = repeat_timed(call, policy, clock, self.flush_cache)
        return Timing.from_samples(samples, method=f"{what}, {self._method(False)}", device_time=False,
                                   warmup=policy.warmup, cache_flush=policy.flush_cache, host_samples=host)

    def _reference(self, task: Task) -> tuple[Any, str, bool]:
        if task.name in self._ref_cache:
            return self._ref_cache[task.name]
        import jax
        got: tuple[Any, str, bool]
        ref = task.framework_references.get("jax")
        if ref:
            from kernelhub.taskrt import load_callable
            got = (jax.jit(load_callable(ref, "jax reference"), static_argnames=[p.name for p in task.signature.params]),
                   f"JAX reference {ref}", True)
        else:
            from kernelhub.plugins import registry
            src = registry().starter(task, self.name, "jax")
            got = (None, f"task {task.name!r} has no JAX reference or plain JAX starter", False)
            if src:
                comp = self.compile(Candidate(backend=self.name, language="jax", source=src,
                                              filename=f"starters/jax/{task.name}.py"), task.signature)
                if comp.result.ok:
                    got = (comp.artifact.jitted, f"the suite's plain JAX starter for {task.name!r} (jnp, XLA-compiled)",
                           False)
                else:
                    got = (None, f"the plain JAX starter for {task.name!r} failed to compile", False)
        self._ref_cache[task.name] = got
        return got


def _shape_of(args: KernelArgs) -> dict[str, int]:
    """Shape symbols bound by the actual input and output arrays of one call."""
    sym: dict[str, int] = {}
    for spec in args.signature.inputs + args.signature.outputs:
        a = args.arrays.get(spec.name)
        for d, n in zip(spec.dims, getattr(a, "shape", ())):
            if isinstance(d, str):
                sym.setdefault(d, int(n))
    return sym


# ==================================================================== TPU, compile-only


class JaxTpuBackend(_JaxCommon):
    """Compile-only for one TPU generation: the candidate is traced, lowered (Pallas through Mosaic)
    and compiled for device 0 of a small slice of that generation, described by libtpu."""

    def __init__(self, gen: TpuGeneration) -> None:
        super().__init__()
        self.gen = gen
        self.name = f"jax-tpu-{gen.key}"
        self.description = (f"JAX/Pallas compiled ahead of time for {gen.device_kind} ({gen.topology}); "
                            "compile-only: memory and cost analysis, estimated roofline")
        self.worker_env = plat.tpu_compile_env()
        self._topology = None
        self._topology_log = ""
        self._cache: dict[str, Compiled] = {}

    def probe(self) -> Availability:
        missing = plat.jax_missing() or plat.libtpu_missing()
        if missing:
            return Availability(compile=False, run=False, time=False,
                                reasons={m: missing for m in ("compile", "run", "time")})
        why = (f"no {self.gen.device_kind} here: the candidate is compiled for one {self.gen.device_kind} "
               f"chip of a {self.gen.topology} slice described by libtpu (jax.experimental.topologies). On a TPU "
               "host, the `jax` backend runs and times on JAX's default device")
        return Availability(compile=True, run=False, time=False,
                            reasons={"run": why, "time": f"no {self.gen.device_kind} here (compile-only)"},
                            notes=[f"profile: XLA memory_analysis (HBM bytes), cost_analysis (flops, bytes), VMEM "
                                   f"blocks of each pallas_call, estimated roofline from declared peaks "
                                   f"({self.gen.source})", _versions()])

    def device_info(self) -> DeviceInfo:
        g = self.gen
        return DeviceInfo(name=f"{g.device_kind} (compile-only)", kind="tpu", peak_flops_per_s=g.peak_bf16_flops,
                          peak_bytes_per_s=g.hbm_bytes_per_s, peaks_measured=False,
                          detail={"topology": g.topology, "peak_flops": "dense bf16", "hbm_bytes": g.hbm_bytes,
                                  "vmem_bytes": g.vmem_bytes, "source": g.source})

    def launch(self, prepared: Any) -> float | None:
        raise CandidateError(f"{self.name} is compile-only: there is no {self.gen.device_kind} here")

    def _device(self) -> Any:
        """Device 0 of the slice; libtpu's start-up warnings (no TPU environment) go to the compile log."""
        if self._topology is None:
            from jax.experimental import topologies
            with _captured_stderr() as cap:
                self._topology = topologies.get_topology_desc(platform="tpu", topology_name=self.gen.topology)
            self._topology_log = cap.text
        return self._topology.devices[0]

    def compile(self, candidate: Candidate, signature: Signature) -> Compiled:
        t0 = time.perf_counter()
        key = self.compile_key(candidate, signature)
        if key in self._cache:
            hit = self._cache[key]
            return Compiled(hit.result.model_copy(update={"cached": True}), hit.artifact, hit.source_path)
        import jax
        from kernelhub_jax import trace
        from kernelhub_jax.errors import from_exception
        art, failed = self._load(candidate, signature)
        if failed is not None:
            return failed
        shape, task, origin = self._shape(candidate, signature)
        try:
            dev = self._device()
        except Exception as e:  # libtpu could not describe the slice: the environment's fault, said plainly
            return _fail([Diagnostic(severity=Severity.error, file=candidate.filename, message=(
                f"libtpu could not describe a {self.gen.topology} slice: {type(e).__name__}: {e}"))],
                self._topology_log)
        sharding = jax.sharding.SingleDeviceSharding(dev)
        from jax.experimental.pallas import tpu as pltpu
        with pltpu.force_tpu_interpret_mode(None):  # a real Mosaic lowering even beside a CPU `jax` backend
            traced, failed = self._trace(art, shape, sharding)
        if failed is not None:
            return failed
        sym = ", ".join(f"{k}={v}" for k, v in shape.items())
        try:
            with _captured_stderr() as cap:
                compiled = traced.lower().compile()
        except Exception as e:
            d, log = from_exception(e, art.source_path, art.display, art.source,
                                    f"while compiling for {self.gen.device_kind} at {sym}", jaxpr=traced.jaxpr.jaxpr)
            return _fail([d], log, art.source_path)
        profile = self._profile(art, compiled, shape, task, origin)
        result = CompileResult(ok=True, compile_only=True, profile=profile, seconds=time.perf_counter() - t0,
                               log=(f"compiled for {self.gen.device_kind} ({self.gen.topology}, device 0) at {sym} "
                                    f"({origin})\n" + cap.text)[-4000:])
        out = Compiled(result, art, art.source_path)
        self._cache[key] = out
        return out

    def _profile(self, art: Artifact, compiled: Any, shape: dict[str, int], task: Task | None,
                 origin: str) -> Profile:
        g = self.gen
        mem: dict[str, int] = {}
        try:
            m = compiled.memory_analysis()
            for k in ("argument_size_in_bytes", "output_size_in_bytes", "temp_size_in_bytes",
                      "alias_size_in_bytes", "generated_code_size_in_bytes", "host_temp_size_in_bytes"):
                mem[k] = int(getattr(m, k, 0) or 0)
        except Exception as e:  # reported, not fatal
            mem = {"error": str(e)}  # type: ignore[dict-item]
        try:
            ca = compiled.cost_analysis() or {}
            ca = ca[0] if isinstance(ca, (list, tuple)) else ca
        except Exception:
            ca = {}
        xla_flops = float(ca.get("flops", 0.0) or 0.0)
        xla_bytes = float(ca.get("bytes accessed", 0.0) or 0.0)
        if task is not None:
            from kernelhub.taskrt import counts
            flops, nbytes = counts(task, shape)
            counted = f"task {task.name!r} FLOP and byte counts"
        else:
            flops, nbytes, counted = xla_flops, xla_bytes, "XLA cost_analysis"
        est = estimate(g, flops, nbytes)
        hbm = sum(v for k, v in mem.items() if k in ("argument_size_in_bytes", "output_size_in_bytes",
                                                      "temp_size_in_bytes")) if "error" not in mem else 0
        s = art.scan
        headline: dict[str, float | int | str] = {
            "target": g.device_kind, "hbm_bytes": hbm, "hbm_temp_bytes": mem.get("temp_size_in_bytes", 0),
            "vmem_block_bytes": s.vmem_bytes, "pallas_calls": len(s.pallas_calls),
            "est_us": round(est["est_seconds"] * 1e6, 3), "est_bound": est["est_bound"], "estimate": "yes"}
        detail = {**self._profile_detail(art, origin), "memory_analysis": mem,
                  "cost_analysis": {"flops": xla_flops, "bytes_accessed": xla_bytes,
                                    "optimal_seconds": ca.get("optimal_seconds")},
                  "roofline_estimate": {**est, "flops": flops, "bytes": nbytes, "counted_from": counted,
                                        "peak_bf16_flops_per_s": g.peak_bf16_flops,
                                        "hbm_bytes_per_s": g.hbm_bytes_per_s, "peaks_from": g.source,
                                        "note": "ESTIMATE, not a measurement: the time a kernel at the roof would "
                                                "take; f32 matmuls at HIGHEST precision need several MXU passes"},
                  "vmem_note": (f"VMEM: two buffers per blocked operand plus scratch, from each pallas_call's "
                                f"BlockSpecs; {g.device_kind} has {g.vmem_bytes >> 20} MiB per core"),
                  "pallas_cost_note": "XLA's cost_analysis counts no flops inside Pallas kernels"}
        return Profile(platform=self.name, headline=headline, detail=detail, static=True)


class _Captured:
    text = ""


class _captured_stderr:
    """Redirect fd 2 (libtpu's C++ logging) into a buffer for the duration of a block."""

    def __enter__(self) -> _Captured:
        import sys
        sys.stderr.flush()
        self.cap = _Captured()
        self.tmp = tempfile.TemporaryFile(mode="w+b")
        self.saved = os.dup(2)
        os.dup2(self.tmp.fileno(), 2)
        return self.cap

    def __exit__(self, *exc: Any) -> None:
        import sys
        sys.stderr.flush()
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.tmp.seek(0)
        self.cap.text = self.tmp.read().decode(errors="replace")[-4000:]
        self.tmp.close()


def tpu_backends() -> list[JaxTpuBackend]:
    from kernelhub_jax.generations import REGISTERED
    return [JaxTpuBackend(GENERATIONS[k]) for k in REGISTERED]
