"""The compile front end shared by the ``opencl`` and ``sycl`` backends: a SPIR-V candidate's module,
the launch directives checked against the signature, and the device the candidate's ``device``
option picks, each failure as Diagnostics on the candidate's lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from kernelhub.errors import UserError
from kernelhub.launch import LaunchPlan, checked_plan
from kernelhub.models import Candidate, Diagnostic, Profile, Severity, Signature

from kernelhub_opencl import spirv


@dataclass
class Front:
    plan: LaunchPlan
    runtime: Any
    module: spirv.Module | None
    diagnostics: list[Diagnostic]


def front_end(cand: Candidate, sig: Signature, runtime_for: Callable[[Any], Any]) -> tuple[Front | None, list[Diagnostic]]:
    """(front, diagnostics) on success, (None, errors) otherwise."""
    module = None
    if cand.language == spirv.LANGUAGE:
        try:
            module = spirv.load(cand.source, cand.filename)
        except spirv.SpirvError as e:
            return None, list(e.diagnostics)
    plan, diags = checked_plan(cand.source, cand.filename, sig)
    if plan is None:
        return None, diags
    try:
        rt = runtime_for(cand.options.get("device"))
    except UserError as e:
        return None, diags + [Diagnostic(severity=Severity.error, file=cand.filename, message=str(e))]
    return Front(plan, rt, module, diags), diags


def describe_device(prof: Profile, front: Front, all_devices: list[dict]) -> None:
    """The chosen device, every device found, and the SPIR-V module's facts, in the profile."""
    prof.detail["device_label"] = front.runtime.ref.label
    prof.detail["devices"] = all_devices
    if front.module is not None:
        prof.detail["spirv"] = {"version": front.module.version, "validated_by_spirv_val": front.module.validated}
