"""Hardware counters of a candidate's kernels from Nsight Compute (``ncu``), behind ``--counters``.

ncu profiles a whole process, so the call is replayed in a fresh one (``kernelhub.counters_replay``)
under ncu: the candidate is compiled again (a cache hit), its arrays come from a payload folder, and
the backend runs it once. Each kernel is replayed by ncu with the caches flushed before every pass
(``--cache-control all``) and the clocks left as they are (``--clock-control none``), so the counters
describe a cold-cache call at the clocks the harness's timings see. The harness's own kernels (the
busy-wait before the start event) are left out of the result.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from kernelhub.models import Profile

#: ncu metric -> the name it has in a Profile (``summarize`` adds them up over a call's kernels)
METRICS: dict[str, str] = {
    "gpu__time_duration.sum": "duration_ns",
    "dram__bytes_read.sum": "dram_read_bytes",
    "dram__bytes_write.sum": "dram_write_bytes",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed": "dram_pct_of_peak",
    "sm__throughput.avg.pct_of_peak_sustained_elapsed": "sm_pct_of_peak",
    "sm__warps_active.avg.pct_of_peak_sustained_active": "achieved_occupancy_pct",
    "lts__t_sector_hit_rate.pct": "l2_hit_pct",
}
#: kernels the GPU backends launch themselves around a call (torch.cuda._sleep's and the cuda
#: backend's busy-wait); see kernelhub.gpu_lead
HARNESS_KERNELS = frozenset({"spin_kernel", "kh_spin"})
NCU_PLACES = ("/usr/local/cuda/bin/ncu", "/opt/nvidia/nsight-compute/ncu")


def find_ncu() -> str | None:
    """ncu on PATH, under $CUDA_HOME, or in the usual install places (the newest Nsight Compute)."""
    found = shutil.which("ncu")
    if found:
        return found
    places = [str(Path(os.environ["CUDA_HOME"]) / "bin" / "ncu")] if os.environ.get("CUDA_HOME") else []
    places += list(NCU_PLACES) + sorted(str(p) for p in Path("/opt/nvidia/nsight-compute").glob("*/ncu"))[::-1]
    return next((p for p in places if os.access(p, os.X_OK)), None)


def unavailable(reason: str) -> Profile:
    return Profile.unavailable(reason, platform="ncu")


def kernel_base_name(name: str) -> str:
    """A demangled kernel name without its scope, template arguments, parameters and return type:
    ``at::cuda::(anonymous namespace)::spin_kernel(long)`` -> ``spin_kernel``,
    ``void scale<float>(float*, int)`` -> ``scale``."""
    s = name.strip()
    for close, open_ in ((")", "("), (">", "<")):
        if s.endswith(close):  # drop the trailing balanced group: parameters, then template arguments
            depth = 0
            for i in range(len(s) - 1, -1, -1):
                depth += (s[i] == close) - (s[i] == open_)
                if depth == 0:
                    s = s[:i].rstrip()
                    break
    return s.split("::")[-1].split(" ")[-1] or name


def _number(text: str) -> float | None:
    t = text.strip().replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def parse_raw_csv(text: str) -> list[dict[str, Any]]:
    """One dict per profiled kernel from ``ncu --import R --csv --page raw --print-units base``: the
    kernel's name, then each metric of :data:`METRICS` under its Profile name (None where ncu had none).
    Lines before the header (ncu's own ``==PROF==`` messages) and the units row are skipped."""
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith('"ID"') or l.startswith("ID,")), None)
    if start is None:
        raise ValueError("no CSV header (a line starting with \"ID\") in ncu's output")
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:]))))
    header, body = rows[0], rows[1:]
    if "Kernel Name" not in header:
        raise ValueError(f"ncu's CSV has no 'Kernel Name' column (columns: {header[:12]})")
    col = {h: i for i, h in enumerate(header)}
    out = []
    for r in body:
        if len(r) < len(header) or _number(r[col["ID"]]) is None:  # the units row, or a truncated line
            continue
        k: dict[str, Any] = {"kernel": kernel_base_name(r[col["Kernel Name"]]),
                             "grid": r[col["Grid Size"]] if "Grid Size" in col else "",
                             "block": r[col["Block Size"]] if "Block Size" in col else ""}
        for metric, name in METRICS.items():
            k[name] = _number(r[col[metric]]) if metric in col else None
        out.append(k)
    return out


def summarize(kernels: list[dict[str, Any]]) -> dict[str, float | int | str]:
    """A call's headline numbers: its kernels' total time and DRAM traffic, the achieved DRAM
    bandwidth over that time, and the time-weighted SM and DRAM throughput (% of peak)."""
    total_ns = sum(k["duration_ns"] or 0.0 for k in kernels)
    dram = sum((k["dram_read_bytes"] or 0.0) + (k["dram_write_bytes"] or 0.0) for k in kernels)
    head: dict[str, float | int | str] = {"kernels": len(kernels), "duration_us": round(total_ns / 1e3, 2),
                                          "dram_bytes": int(dram)}
    if total_ns > 0:
        head["dram_GBps"] = round(dram / total_ns, 1)  # bytes per ns = GB/s
        for name in ("dram_pct_of_peak", "sm_pct_of_peak", "achieved_occupancy_pct"):
            known = [(k[name], k["duration_ns"] or 0.0) for k in kernels if k[name] is not None]
            if known:
                head[name] = round(sum(v * w for v, w in known) / max(sum(w for _, w in known), 1e-30), 1)
    return head


def collect(backend: Any, candidate: Any, args: Any, shape_label: str, timeout_s: float = 300.0) -> Profile:
    """Replay one call of the candidate (``args``: its KernelArgs) under ncu; a Profile with the headline
    numbers and each kernel's counters, or one that says plainly why there are none."""
    ncu = find_ncu()
    if ncu is None:
        return unavailable("ncu (Nsight Compute) not found on PATH, under $CUDA_HOME/bin or /opt/nvidia/nsight-compute")
    with tempfile.TemporaryDirectory(prefix="kh-ncu-") as tmp:
        folder = Path(tmp)
        np.savez(folder / "arrays.npz", **{k: np.asarray(v) for k, v in args.arrays.items()})
        (folder / "call.json").write_text(json.dumps({
            "backend": backend.name, "candidate": candidate.model_dump(mode="json"),
            "signature": args.signature.model_dump(mode="json"), "params": dict(args.params)}))
        env = {**backend.worker_env, **os.environ}
        report = folder / "call"
        cmd = [ncu, "--target-processes", "all", "--profile-from-start", "off", "--cache-control", "all",
               "--clock-control", "none",
               "--metrics", ",".join(METRICS), "--export", str(report), "--force-overwrite",
               sys.executable, "-m", "kernelhub.counters_replay", str(folder)]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired:
            return unavailable(f"ncu did not finish the replayed call within {timeout_s:.0f} s")
        log = (run.stdout + run.stderr)[-1500:]
        replay_error = folder / "replay_error.txt"
        if replay_error.exists():
            return unavailable("the replayed call failed: " + replay_error.read_text()[-800:])
        if run.returncode != 0 or not report.with_suffix(".ncu-rep").exists():
            return unavailable(f"ncu exited with status {run.returncode}: {_ncu_error(log)}")
        table = subprocess.run([ncu, "--import", str(report.with_suffix(".ncu-rep")), "--csv", "--page", "raw",
                                "--print-units", "base"], capture_output=True, text=True, timeout=120)
        try:
            kernels = parse_raw_csv(table.stdout)
        except ValueError as e:
            return unavailable(f"ncu's report could not be read ({e}); ncu said: {_ncu_error(table.stderr)}")
    version = subprocess.run([ncu, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    own = [k for k in kernels if k["kernel"] not in HARNESS_KERNELS]
    if not own:
        return unavailable(f"ncu profiled no kernel of the candidate's call ({len(kernels)} harness kernel(s)); "
                           f"ncu said: {_ncu_error(log)}")
    return Profile(platform="ncu", static=False, headline=summarize(own),
                   detail={"shape": shape_label, "kernels": own, "tool": version.splitlines()[-1] if version else ncu,
                           "method": "one call replayed under ncu in a fresh process; caches flushed before every "
                                     "pass, clocks not locked (--clock-control none)"})


def _ncu_error(log: str) -> str:
    """ncu's own error lines (``==ERROR==``, ``==WARNING==``), else the log's tail."""
    errs = [l for l in log.splitlines() if l.startswith("==ERROR==") or l.startswith("==WARNING==")]
    return " | ".join(errs[-4:]) if errs else log.strip()[-400:]
