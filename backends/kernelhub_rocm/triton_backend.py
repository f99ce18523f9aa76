"""RocmTritonBackend (``rocm-triton``): the ``triton`` backend's candidates, unchanged, for AMD CDNA.

Everything but the target is the triton backend's (loading, dry run, launch recording, host-compute
integrity, the interpreter on the CPU, and on a ROCm host torch's ``torch.cuda`` API, CUDA-event
timing and the torch reference, which ROCm's torch serves through HIP). What differs: the
ahead-of-time compile goes to Triton's AMD backend for the candidate option ``arch`` (default
gfx942) through :mod:`kernelhub_rocm.triton_aot`, and the profile is the AMD one. That compile's report
persists across processes in :mod:`kernelhub_rocm.cache` (:meth:`RocmTritonBackend._aot_key`)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Any

from kernelhub.models import Availability, Candidate, DeviceInfo, Diagnostic, Profile, Severity, Signature

from kernelhub_rocm import cache, device, profile, targets
from kernelhub_triton.backend import DRY_RUN_EXTENT, ENV_INTERPRET, INSTALL, TritonBackend
from kernelhub.backend import Compiled


class RocmTritonBackend(TritonBackend):
    name = "rocm-triton"
    languages = ("triton",)
    description = ("Python modules with @triton.jit kernels and a host function, for AMD CDNA (gfx942, gfx90a): "
                   "Triton's interpreter plus the AMD cross-compile without an AMD GPU")

    def __init__(self) -> None:
        super().__init__()
        forced = os.environ.get(ENV_INTERPRET, "").strip()
        self.interpret = forced == "1" or (forced != "0" and not device.gpu_present())
        if self.interpret:
            self.worker_env = {"TRITON_INTERPRET": "1", "TRITON_DEFAULT_FP_FUSION": "1"}
            self.timing_method = "Triton interpreter on the host CPU, host perf_counter (not device time)"
            self.device_time, self.interpreted = False, True
        else:
            self.worker_env = {"TRITON_DEFAULT_FP_FUSION": "1"}
            self.timing_method = "HIP events (torch.cuda on ROCm) around the host function"
            self.device_time, self.interpreted = True, False
        self._target: targets.Target = targets.target(None)
        self._want_asm = False
        self._report: dict[str, Any] | None = None

    def probe(self) -> Availability:
        base = super().probe()
        if not base.compile:
            return base
        if self.interpret:
            why = device.no_gpu_reason() if not device.gpu_present() else f"{ENV_INTERPRET}=1 forces it"
            note = (f"interpreter mode ({why}): kernels run in Triton's interpreter on the CPU, timings are "
                    f"interpreted host time; kernels are also compiled for AMD ({', '.join(targets.targets())}, "
                    f"candidate option arch, default {targets.DEFAULT_ARCH}) for the resource report")
        else:
            note = f"AMD GPU mode on {', '.join(device.gpu_archs())}: Triton JIT through ROCm torch, HIP-event time"
        return Availability(compile=True, run=True, time=True, notes=[note])

    def device_info(self) -> DeviceInfo:
        arch = device.gpu_archs()[0] if not self.interpret and device.gpu_archs() else None
        t = targets.target(arch if arch in targets.targets() else None)
        where = "" if not self.interpret else " (interpreted here: no AMD GPU; peaks are the target's)"
        return DeviceInfo(name=f"{t.product} [{t.arch}]{where}", kind="gpu",
                          peak_flops_per_s=t.peak_flops_per_s.get("fp32_vector"), peak_bytes_per_s=t.peak_bytes_per_s,
                          peaks_measured=False, detail={"target": t.summary(), "peak_method": t.peaks_source})

    def version_key(self) -> str:
        return super().version_key().split(";sm_")[0] + ("" if self.interpret else ";" + ",".join(device.gpu_archs()))

    def _compile(self, cand: Candidate, sig: Signature) -> Compiled:
        try:
            self._target = targets.target(cand.options.get("arch"))
        except targets.UnknownTarget as e:
            from kernelhub.models import CompileResult
            return Compiled(CompileResult(ok=False, diagnostics=[Diagnostic(
                severity=Severity.error, file=cand.filename, message=f"candidate option arch: {e}")]))
        self._want_asm, self._report = bool(cand.options.get("asm")), None
        out = super()._compile(cand, sig)
        if out.result.ok and self._report is not None:
            over = self._lds_overflow(self._report, cand)
            if over:
                from kernelhub.models import CompileResult
                return Compiled(CompileResult(ok=False, diagnostics=out.result.diagnostics + over,
                                              log=out.result.log), None, out.source_path)
            out.result.profile = self._profile(self._report)
        return out

    def _lds_overflow(self, report: dict[str, Any], cand: Candidate) -> list[Diagnostic]:
        """Triton's AMD backend compiles a kernel whose LDS exceeds the target (the HIP driver refuses
        it only at load time, OutOfResources); say so at compile time, at the kernel's launch."""
        t, out = self._target, []
        for k in report.get("kernels", []):
            need = k.get("dynamic_lds_bytes") or 0
            if not k.get("ok") or need <= t.max_lds_per_workgroup_bytes:
                continue
            at = next((i for i, ln in enumerate(cand.source.splitlines(), 1) if f"{k['kernel']}[" in ln), None)
            lines = cand.source.splitlines()
            out.append(Diagnostic(severity=Severity.error, file=cand.filename, line=at,
                                  column=lines[at - 1].index(f"{k['kernel']}[") + 1 if at else None,
                                  source_line=lines[at - 1] if at else None, message=(
                f"kernel {k['kernel']!r} with constexprs {k.get('constexprs') or {}}, num_warps {k.get('num_warps')} "
                f"and num_stages {k.get('num_stages')} needs {need} bytes of LDS, over {t.arch}'s limit of "
                f"{t.max_lds_per_workgroup_bytes} per workgroup: an AMD GPU refuses to launch it (OutOfResources); "
                "use smaller BLOCK sizes or fewer num_stages")))
        return out

    def _ahead_of_time(self, art: Any, rec: Any, arch: Any) -> dict[str, Any]:
        """The triton backend's AOT step, sent to Triton's AMD backend for the chosen target."""
        seen, launches = set(), []
        for r in rec.launches:
            k = json.dumps([r.kernel, r.signature, r.constexprs, r.options], sort_keys=True, default=str)
            if k not in seen and r.signature:
                seen.add(k)
                launches.append({"kernel": r.kernel, "signature": r.signature, "constexprs": r.constexprs,
                                 "options": r.options})
        t = self._target
        key = self._aot_key(art, launches)
        hit = cache.lookup(key)
        if hit is not None:
            self._report = hit[0]
            return json.loads(json.dumps(hit[0]))
        req = {"path": art.source_path, "module": art.module.__name__ + "_amd", "display": art.display,
               "arch": t.arch, "asm": self._want_asm, "launches": launches}
        env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join([here] + [p for p in sys.path if p])
        try:
            r = subprocess.run([sys.executable, "-m", "kernelhub_rocm.triton_aot"], input=json.dumps(req),
                               capture_output=True, text=True, timeout=300, env=env)
        except subprocess.TimeoutExpired:
            return {"kernels": [], "note": f"{t.arch} compile timed out after 300 s", "arch": t.arch}
        last = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if not last:
            report = {"kernels": [], "note": f"{t.arch} compile produced no report (exit {r.returncode}): "
                                             f"{r.stderr.strip()[-800:]}"}
        else:
            report = json.loads(last[-1])
        report["arch"] = t.arch
        # keys the triton backend's own profile step reads; the AMD profile replaces its result
        for k in report.get("kernels", []):
            k.setdefault("num_warps", 1)
            k.setdefault("num_stages", 1)
        self._report = json.loads(json.dumps(report))
        err = report.get("error")
        if last and r.returncode == 0 and (not err or err.get("kernel")):  # Triton's answer, not a crash
            cache.store(key, self._report)
        return report

    def _aot_key(self, art: Any, launches: list[dict[str, Any]]) -> str:
        """The AMD compile's part of compile_key: everything the AOT report depends on (backend,
        Triton version, source, file name, target, asm flag and the launches the dry run recorded).
        The candidate's module itself loads in-process on every compile; only this step is cached."""
        blob = json.dumps([self.name, self.version_key(), art.source, art.display, self._target.arch,
                           self._want_asm, launches], sort_keys=True, default=str)
        return "triton-" + hashlib.sha256(blob.encode()).hexdigest()[:24]

    def _aot_failure(self, report: dict[str, Any], cand: Candidate, diags: list[Diagnostic], path: str) -> Compiled:
        out = super()._aot_failure(report, cand, diags, path)
        for d in out.result.diagnostics:
            d.message = d.message.replace(f"(sm_{report.get('arch')})", f"({report.get('arch')})")
        return out

    def _profile(self, report: dict[str, Any]) -> Profile:
        t = self._target
        per: dict[str, Any] = {}
        asm: dict[str, str] = {}
        for k in report.get("kernels", []):
            if not k.get("ok"):
                per[k["kernel"]] = k
                continue
            if "asm" in k:
                asm[k["kernel"]] = k.pop("asm")
            per[k["kernel"]] = profile.kernel_report(k, t, k["workgroup_size"], k.get("dynamic_lds_bytes", 0))
        import triton
        extra: dict[str, Any] = {"mode": "interpreter" if self.interpret else "gpu",
                                 "dry_run": f"compiled with the argument types of the dry run (every shape symbol "
                                            f"= {DRY_RUN_EXTENT})"}
        if report.get("note"):
            extra["compile_note"] = report["note"]
        if asm:
            extra["asm"] = asm
        return profile.build(f"rocm-triton-{t.arch}", t, per, f"Triton {triton.__version__} AMD backend "
                             f"(its bundled LLVM and device libraries)", extra)


__all__ = ["RocmTritonBackend", "INSTALL"]
