"""Resources and occupancy of every Triton and HIP starter on an AMD target, as the compilers report
them (no AMD GPU needed): the README's ROCm starter table.

    python benchmarks/rocm_starters_table.py [--arch gfx942] [--lang triton|hip] [--json] [TASK ...]

One row per kernel: Triton starters through ``rocm-triton`` (Triton's AMD backend, with the launch
configuration the starter's host function picks in the backend's dry run), HIP starters through
``rocm-hip`` (clang with ROCm's device libraries). Columns: VGPRs (architectural), AGPRs, SGPRs, LDS
bytes (static plus Triton's dynamic), VGPR/SGPR spills, scratch bytes per lane, workgroup size, the
waves per SIMD these allow and the resource that limits them (``kernelhub_rocm/targets.toml``), the
static MFMA instruction count, and for Triton the constexprs and num_warps its host function chose in
the dry run (DRY_RUN: the first visible shape's configuration). Static compiler numbers: nothing here
ran on a GPU. Markdown on stdout, or one JSON document with ``--json``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STARTERS = {"triton": (ROOT / "tasks" / "starters" / "triton", "py", "rocm-triton"),
            "hip": (ROOT / "tasks" / "starters" / "hip", "hip", "rocm-hip")}
#: Triton rows: the candidate option dry_run_shape, chosen so each host function picks the launch
#: configuration of the task's first visible shape (its row/column extents, a smaller batch so the
#: interpreter's dry run stays short); tasks not listed use the backend's default (every symbol = 64),
#: where their configuration does not depend on the shape
DRY_RUN = {
    ("triton", "softmax"): {"M": 2, "N": 1024}, ("triton", "layernorm"): {"M": 2, "N": 1024},
    ("triton", "rmsnorm"): {"M": 2, "N": 1024}, ("triton", "row_sum"): {"M": 2, "N": 1024},
    ("triton", "gemv"): {"M": 8, "N": 2048}, ("triton", "embedding_gather"): {"V": 64, "D": 256, "N": 64},
    ("triton", "histogram"): {"N": 4096, "B": 256}, ("triton", "scatter_add"): {"N": 4096, "B": 4096},
    ("triton", "matmul"): {"M": 512, "N": 512, "K": 64},
    ("triton", "matmul_fp16"): {"M": 1024, "N": 1024, "K": 64},
    ("triton", "attention"): {"S": 1024, "D": 64},
    ("triton", "conv2d"): {"N": 1, "C": 32, "H": 34, "W": 34, "O": 64, "OH": 32, "OW": 32},
}
COLUMNS = [("starter", "starter"), ("lang", "lang"), ("kernel", "kernel"), ("vgprs", "VGPRs"), ("agprs", "AGPRs"),
           ("sgprs", "SGPRs"), ("lds_bytes", "LDS B"), ("spills", "spills v/s"), ("scratch_bytes", "scratch B"),
           ("workgroup_size", "WG"), ("waves_per_simd", "waves/SIMD"), ("limited_by", "limited by"), ("mfma", "MFMA"),
           ("config", "dry-run config")]


def kernel_rows(lang: str, task: str, arch: str) -> list[dict[str, Any]]:
    """Compile one starter for ``arch``; one dict per kernel (or one with ``error``)."""
    from kernelhub.models import Candidate
    from kernelhub.plugins import registry
    folder, ext, backend = STARTERS[lang]
    opts: dict[str, Any] = {"arch": arch}
    if (lang, task) in DRY_RUN:
        opts["dry_run_shape"] = DRY_RUN[(lang, task)]
    c = registry().backend(backend).compile(
        Candidate(backend=backend, source=(folder / f"{task}.{ext}").read_text(), filename=f"{task}.{ext}",
                  options=opts), registry().task(task).signature)
    if not c.result.ok:
        return [{"starter": task, "lang": lang, "error": "; ".join(d.message for d in c.result.diagnostics)[:300]}]
    rows = []
    for name, k in c.result.profile.detail["kernels"].items():
        occ = k.get("occupancy", {})
        rows.append({"starter": task, "lang": lang, "kernel": name, "target": arch,
                     "vgprs": k.get("arch_vgprs", k.get("vgpr_count")), "agprs": k.get("agprs", 0),
                     "sgprs": k.get("sgpr_count"), "lds_bytes": k.get("lds_bytes", 0),
                     "vgpr_spills": k.get("vgpr_spills", 0), "sgpr_spills": k.get("sgpr_spills", 0),
                     "spills": f"{k.get('vgpr_spills', 0)}/{k.get('sgpr_spills', 0)}",
                     "scratch_bytes": k.get("scratch_bytes", 0),
                     "workgroup_size": occ.get("workgroup_size", k.get("workgroup_size")),
                     "waves_per_simd": occ.get("waves_per_simd"), "limited_by": occ.get("limited_by"),
                     "mfma": k.get("instructions", {}).get("mfma", 0),
                     "constexprs": k.get("constexprs"),
                     "config": " ".join([f"{n}={v}" for n, v in (k.get("constexprs") or {}).items()]
                                        + ([f"warps={k['num_warps']}"] if lang == "triton" else []))})
    return rows


def markdown(rows: list[dict[str, Any]], arch: str, toolchains: dict[str, str]) -> str:
    out = [f"Starters on {arch} (static compiler report, no AMD GPU; "
           + "; ".join(f"{k}: {v}" for k, v in toolchains.items()) + ")", "",
           "| " + " | ".join(h for _, h in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['starter']} | {r['lang']} | compile failed: {r['error']} |" + " |" * (len(COLUMNS) - 3))
            continue
        cells = []
        for key, _ in COLUMNS:
            v = r.get(key)
            cells.append("" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="gfx942")
    ap.add_argument("--lang", choices=sorted(STARTERS), action="append", help="default: both")
    ap.add_argument("--json", action="store_true", help="one JSON document instead of Markdown")
    ap.add_argument("tasks", nargs="*", help="starter names (default: every starter)")
    a = ap.parse_args(argv)
    os.environ["TRITON_INTERPRET"] = "1"   # the Triton dry run in this process, as in the backend's worker
    from kernelhub.plugins import registry
    rows: list[dict[str, Any]] = []
    toolchains: dict[str, str] = {}
    for lang in a.lang or sorted(STARTERS):
        folder, ext, backend = STARTERS[lang]
        b = registry().backend(backend)
        avail = b.probe()
        if not avail.compile:
            print(f"{backend} cannot compile here: {avail.reasons.get('compile')}", file=sys.stderr)
            return 1
        for p in sorted(folder.glob(f"*.{ext}")):
            if not a.tasks or p.stem in a.tasks:
                rows.extend(kernel_rows(lang, p.stem, a.arch))
        toolchains[lang] = _toolchain(lang)
    if a.json:
        print(json.dumps({"arch": a.arch, "toolchains": toolchains, "rows": rows}, indent=1))
    else:
        print(markdown(rows, a.arch, toolchains))
    return 1 if any("error" in r for r in rows) else 0


def _toolchain(lang: str) -> str:
    if lang == "triton":
        import triton
        return f"Triton {triton.__version__} AMD backend"
    from kernelhub_rocm import hiptool
    return str(hiptool.version())


if __name__ == "__main__":
    sys.exit(main())
