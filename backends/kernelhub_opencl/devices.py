"""Enumerate OpenCL devices and pick one.

Selection order: the candidate option ``device``, then the environment variable
``KERNELHUB_OPENCL_DEVICE``, then the first device found. A selector is an index
into the flat list of all devices of all platforms, or a case-insensitive
substring of ``"platform: device"``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kernelhub.errors import UserError

ENV_VAR = "KERNELHUB_OPENCL_DEVICE"


@dataclass(frozen=True)
class DeviceRef:
    index: int
    platform: Any  # pyopencl.Platform
    device: Any    # pyopencl.Device

    @property
    def label(self) -> str:
        return f"{self.platform.name.strip()}: {self.device.name.strip()}"

    @property
    def kind(self) -> str:
        import pyopencl as cl
        t = self.device.type
        if t & cl.device_type.GPU:
            return "gpu"
        if t & cl.device_type.CPU:
            return "cpu"
        return "other"

    def detail(self) -> dict[str, Any]:
        """The limits a kernel author needs, plus driver versions."""
        d = self.device
        info: dict[str, Any] = {
            "index": self.index, "platform": self.platform.name.strip(),
            "platform_version": self.platform.version.strip(), "device": d.name.strip(),
            "type": self.kind, "vendor": d.vendor.strip(), "opencl_version": d.version.strip(),
            "driver_version": d.driver_version.strip(), "compute_units": d.max_compute_units,
            "max_work_group_size": d.max_work_group_size,
            "max_work_item_sizes": list(d.max_work_item_sizes),
            "local_mem_size": d.local_mem_size, "global_mem_size": d.global_mem_size,
            "max_mem_alloc_size": d.max_mem_alloc_size,
            "global_mem_cache_size": d.global_mem_cache_size,
            "max_clock_mhz": d.max_clock_frequency,
        }
        for key, attr in (("opencl_c_version", "opencl_c_version"),
                          ("preferred_vector_width_float", "preferred_vector_width_float"),
                          ("double_fp_config", "double_fp_config")):
            try:
                info[key] = getattr(d, attr)
            except Exception:  # optional queries some drivers reject
                pass
        info["fp64"] = bool(info.pop("double_fp_config", 0))
        return info


def all_devices() -> list[DeviceRef]:
    """Every device of every platform (empty when there is no ICD or no device)."""
    from kernelhub_opencl import icd
    icd.apply()  # before the ICD loader first runs in this process
    import pyopencl as cl
    try:
        platforms = cl.get_platforms()
    except cl.Error:  # PLATFORM_NOT_FOUND_KHR: the ICD loader found no driver
        return []
    refs: list[DeviceRef] = []
    for p in platforms:
        try:
            devices = p.get_devices()
        except cl.Error:
            continue
        for d in devices:
            refs.append(DeviceRef(len(refs), p, d))
    return refs


def select(devices: list[Any], selector: str | int | None = None, env_var: str = ENV_VAR,
           what: str = "OpenCL", default: int = 0) -> Any:
    """Pick a device by ``selector`` (or ``env_var``), else ``devices[default]``; UserError names
    the choices. Shared by every backend whose devices have ``index`` and ``label``."""
    if not devices:
        raise UserError(f"no {what} device found",
                        "install a driver, e.g. `apt-get install pocl-opencl-icd` for the CPU")
    sel = selector if selector not in (None, "") else os.environ.get(env_var, "")
    if sel in (None, ""):
        return devices[default] if 0 <= default < len(devices) else devices[0]
    text = str(sel).strip()
    if text.isdigit():
        i = int(text)
        if i < len(devices):
            return devices[i]
    else:
        hits = [r for r in devices if text.lower() in r.label.lower()]
        if hits:
            return hits[0]
    listing = "; ".join(f"[{r.index}] {r.label}" for r in devices)
    origin = "the candidate option `device`" if selector not in (None, "") else env_var
    raise UserError(f"no {what} device matches {text!r} (from {origin})",
                    f"use an index or a substring of one of: {listing}")


def describe(devices: list[DeviceRef]) -> list[str]:
    return [f"[{r.index}] {r.label} ({r.kind}, {r.device.max_compute_units} CUs, "
            f"max work-group {r.device.max_work_group_size}, local mem {r.device.local_mem_size} B, "
            f"{r.device.version.strip()}, driver {r.device.driver_version.strip()})" for r in devices]
