"""Build OpenCL C through the SYCL runtime (a kernel bundle) and explain failures.

dpctl's ``create_program_from_source`` raises with an empty message when the
driver rejects the source; the driver's build log is then read by building the
same source with the same options on the same OpenCL driver through pyopencl,
and mapped to the candidate's lines with the shared compiler-log parser.
Argument checks are the opencl backend's (`check_args`), fed from the source's
declarations because kernel bundles do not report argument types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kernelhub.diagnostics import parse_compiler_log
from kernelhub.launch import LaunchPlan
from kernelhub.models import Diagnostic, Profile, Severity, Signature

from kernelhub_opencl.compiler import ArgInfo, check_args, source_arg_infos
from kernelhub_sycl.devices import SyclDeviceRef

_KERNEL_NAMES = re.compile(r"\b(?:__kernel|kernel)\s+(?:__attribute__\s*\(\(.*?\)\)\s*)?void\s+([A-Za-z_]\w*)\s*\(",
                           re.S)


@dataclass
class BuildOutcome:
    program: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: str = ""


def build(queue: Any, ref: SyclDeviceRef, source: str, filename: str, options: list[str]) -> BuildOutcome:
    """Compile ``source`` into a SYCL kernel bundle for the queue's device. Never raises."""
    import dpctl.program as dp
    if ref.backend != "opencl":
        return BuildOutcome(diagnostics=[Diagnostic(severity=Severity.error, file=filename, message=(
            f"OpenCL C source runs only on SYCL devices of the opencl backend; the selected device is "
            f"{ref.label}; choose another with the option `device` or KERNELHUB_SYCL_DEVICE"))])
    try:
        return BuildOutcome(program=dp.create_program_from_source(queue, source, " ".join(options)))
    except dp.SyclProgramCompilationError as e:
        err = str(e)
    log = opencl_build_log(ref, source, options)
    diags = parse_compiler_log(log, filename, source, every_file_is_candidate=True)
    if not any(d.severity == Severity.error for d in diags):
        diags.append(Diagnostic(severity=Severity.error, file=filename, message=(
            f"the SYCL runtime rejected the program ({err or 'no message'}); build log: "
            f"{log.strip() or 'unavailable'}")))
    return BuildOutcome(diagnostics=diags, log=log)


def build_spirv(queue: Any, ref: SyclDeviceRef, binary: bytes, filename: str, line: int,
                options: list[str]) -> BuildOutcome:
    """A kernel bundle from a SPIR-V module (any SYCL backend: opencl, level_zero). Never raises."""
    import dpctl.program as dp
    try:
        return BuildOutcome(program=dp.create_program_from_spirv(queue, binary, " ".join(options)))
    except dp.SyclProgramCompilationError as e:
        err = str(e)
    log = opencl_build_log(ref, binary, options) if ref.backend == "opencl" else ""
    return BuildOutcome(log=log, diagnostics=[Diagnostic(
        severity=Severity.error, file=filename, line=line, message=(
            f"the SYCL runtime rejected the SPIR-V module ({err or 'no message'}); driver log: "
            f"{log.strip() or 'unavailable'}"))])


def opencl_build_log(ref: SyclDeviceRef, source: str | bytes, options: list[str]) -> str:
    """The same driver's build log, through pyopencl ('' when it cannot be had)."""
    try:
        import pyopencl as cl
        from kernelhub_opencl.devices import all_devices
        plat, name = ref.device.sycl_platform.name.strip(), ref.device.name.strip()
        match = next((r for r in all_devices()
                      if r.platform.name.strip() == plat and r.device.name.strip() == name), None)
        if match is None:
            return ""
        from kernelhub_opencl.compiler import build as opencl_build
        return opencl_build(cl.Context([match.device]), match.device, source, "", options).log
    except Exception:
        return ""


def check_kernels(program: Any, plan: LaunchPlan, signature: Signature, source: str, filename: str,
                  arg_infos: dict[str, list[ArgInfo | None]] | None = None,
                  ) -> tuple[dict[str, Any], list[Diagnostic]]:
    """SyclKernel objects by name, and diagnostics on missing kernels and argument mismatches.
    Arguments as declared come from ``arg_infos`` (a SPIR-V module's) or else the source."""
    kernels: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for launch in plan.launches:
        if not program.has_sycl_kernel(launch.kernel):
            names = sorted(arg_infos) if arg_infos is not None else sorted(set(_KERNEL_NAMES.findall(source)))
            diags.append(launch.where.diagnostic(
                f"kernel {launch.kernel!r} named here is not in the program; the program defines "
                f"{', '.join(names) or 'no kernels'} (is it declared `__kernel void {launch.kernel}(...)`?)"))
            continue
        k = kernels.setdefault(launch.kernel, program.get_sycl_kernel(launch.kernel))
        infos = (arg_infos.get(launch.kernel) if arg_infos is not None
                 else source_arg_infos(source, launch.kernel, filename)) or []
        diags += check_args(k.num_args, infos, plan, launch, signature, source, filename)
    return kernels, diags


def profile(kernels: dict[str, Any], ref: SyclDeviceRef, options: list[str]) -> Profile:
    per: dict[str, dict[str, Any]] = {}
    for name, k in kernels.items():
        per[name] = {"work_group_size": k.work_group_size,
                     "preferred_work_group_size_multiple": k.preferred_work_group_size_multiple,
                     "private_mem_bytes": k.private_mem_size, "max_sub_group_size": k.max_sub_group_size,
                     "max_num_sub_groups": k.max_num_sub_groups,
                     "compile_sub_group_size": k.compile_sub_group_size, "num_args": k.num_args}
    headline: dict[str, float | int | str] = {"kernels": len(per)}
    if per:
        headline["work_group_size"] = min(e["work_group_size"] for e in per.values())
        headline["max_sub_group_size"] = max(e["max_sub_group_size"] for e in per.values())
        headline["private_mem_bytes"] = max(e["private_mem_bytes"] for e in per.values())
    return Profile(platform="sycl", headline=headline, static=True,
                   detail={"kernels": per, "device": ref.detail(), "build_options": options})
