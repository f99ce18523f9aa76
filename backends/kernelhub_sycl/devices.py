"""SYCL devices as dpctl lists them, each with its SYCL backend (opencl, level_zero, cuda).

Selection is the opencl backend's helper (`kernelhub_opencl.devices.select`): the
candidate option ``device``, then ``KERNELHUB_SYCL_DEVICE`` (index or substring of
``"backend: platform: device"``), then the first device that can run candidates
(USM device allocations; PoCL 3.1 through SYCL has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ENV_VAR = "KERNELHUB_SYCL_DEVICE"


@dataclass(frozen=True)
class SyclDeviceRef:
    index: int
    device: Any  # dpctl.SyclDevice

    @property
    def backend(self) -> str:
        return self.device.backend.name  # opencl, level_zero, cuda, hip

    @property
    def label(self) -> str:
        return f"{self.backend}: {self.device.sycl_platform.name.strip()}: {self.device.name.strip()}"

    @property
    def kind(self) -> str:
        t = self.device.device_type.name
        return t if t in ("cpu", "gpu") else "other"

    @property
    def usable(self) -> bool:
        """Candidates' arrays live in USM device allocations."""
        return bool(self.device.has_aspect_usm_device_allocations)

    def detail(self) -> dict[str, Any]:
        d = self.device
        info: dict[str, Any] = {
            "index": self.index, "sycl_backend": self.backend, "filter_string": d.filter_string,
            "platform": d.sycl_platform.name.strip(), "device": d.name.strip(), "type": self.kind,
            "vendor": d.vendor.strip(), "driver_version": d.driver_version.strip(),
            "compute_units": d.max_compute_units, "max_work_group_size": d.max_work_group_size,
            "max_work_item_sizes": list(d.max_work_item_sizes3d), "local_mem_size": d.local_mem_size,
            "global_mem_size": d.global_mem_size, "global_mem_cache_size": d.global_mem_cache_size,
            "sub_group_sizes": list(d.sub_group_sizes), "max_clock_mhz": d.max_clock_frequency,
            "fp64": bool(d.has_aspect_fp64), "usm_device_allocations": self.usable,
        }
        return info


def all_devices() -> list[SyclDeviceRef]:
    """Every SYCL device (empty when dpctl finds none)."""
    from kernelhub_opencl import icd
    icd.apply()  # Intel's CPU runtime / NVIDIA's OpenCL: before the loader first runs
    import dpctl
    try:
        devs = dpctl.get_devices()
    except Exception:
        return []
    return [SyclDeviceRef(i, d) for i, d in enumerate(devs)]


def default_index(refs: list[SyclDeviceRef]) -> int:
    return next((r.index for r in refs if r.usable), 0)


def select(refs: list[SyclDeviceRef], selector: str | int | None = None) -> SyclDeviceRef:
    from kernelhub_opencl.devices import select as select_device
    return select_device(refs, selector, env_var=ENV_VAR, what="SYCL", default=default_index(refs))


def describe(refs: list[SyclDeviceRef]) -> list[str]:
    out = []
    for r in refs:
        d = r.device
        use = "" if r.usable else "; cannot run candidates: no USM device allocations"
        out.append(f"[{r.index}] {r.label} ({r.kind}, {d.max_compute_units} CUs, max work-group "
                   f"{d.max_work_group_size}, local mem {d.local_mem_size} B, sub-groups "
                   f"{list(d.sub_group_sizes)}, driver {d.driver_version.strip()}{use})")
    return out
