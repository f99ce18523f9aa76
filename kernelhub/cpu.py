"""The host CPU as a device: cache flushing, and measured peak rates for the roofline.

Peaks are measured once per machine (a NumPy float32 matmul for FLOP/s, a large
copy for bytes/s) and cached under ``~/.cache/kernelhub``; they are labelled as
measured, and they are what CPU backends report in ``device_info``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from kernelhub.models import DeviceInfo


@lru_cache(maxsize=1)
def last_level_cache_bytes() -> int:
    best = 0
    for idx in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            size = (idx / "size").read_text().strip()
        except OSError:
            continue
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(size[-1], 1)
        best = max(best, int(size.rstrip("KMG")) * mult)
    return best or 32 << 20


_FLUSH: np.ndarray | None = None


def flush_host_caches() -> None:
    """Write a buffer larger than the last-level cache, evicting the kernel's data."""
    global _FLUSH
    if _FLUSH is None:
        _FLUSH = np.empty(2 * last_level_cache_bytes() // 8, dtype=np.float64)
    _FLUSH.fill(1.0)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cache_file() -> Path:
    root = Path(os.environ.get("KERNELHUB_CACHE", Path.home() / ".cache" / "kernelhub"))
    return root / "host_peaks.json"


def _measure() -> dict[str, float]:
    n = 1024
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    a @ a
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t)
    flops = 2 * n**3 / best
    # Bandwidth with every core copying its own slice (np.copyto releases the GIL), so a
    # parallel kernel is compared with what all cores together can stream.
    from concurrent.futures import ThreadPoolExecutor

    threads = max(1, os.cpu_count() or 1)
    src = np.ones(max(last_level_cache_bytes() * 4, 128 << 20) >> 3)
    dst = np.empty_like(src)
    parts = [(d, s) for d, s in zip(np.array_split(dst, threads), np.array_split(src, threads))]
    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(6):
            t = time.perf_counter()
            list(pool.map(lambda p: np.copyto(p[0], p[1]), parts))
            best = min(best, time.perf_counter() - t)
    return {"peak_flops_per_s": flops, "peak_bytes_per_s": 2 * src.nbytes / best}


@lru_cache(maxsize=1)
def host_device_info() -> DeviceInfo:
    key = f"v2|{cpu_name()}|{os.cpu_count()}|{np.__version__}"
    path = _cache_file()
    peaks = None
    try:
        cached = json.loads(path.read_text())
        if cached.get("key") == key:
            peaks = cached["peaks"]
    except (OSError, ValueError, KeyError):
        pass
    if peaks is None:
        peaks = _measure()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"key": key, "peaks": peaks}))
        except OSError:
            pass
    return DeviceInfo(name=cpu_name(), kind="cpu", peaks_measured=True,
                      detail={"cores": os.cpu_count(), "llc_bytes": last_level_cache_bytes(),
                              "peak_method": "numpy float32 1024^3 matmul (BLAS threads); all-core copy of 4x LLC"}, **peaks)
