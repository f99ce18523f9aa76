"""Cross-compile a candidate's Triton kernels for an NVIDIA target (sm_90 by default) and report
their resources (registers, spills, stack, shared memory), without a GPU: ``python -m
kernelhub_triton.sm90``, the shared loop of :mod:`kernelhub_triton.aot` with NVIDIA's target."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from typing import Any

from kernelhub_triton.aot import compile_launches


def _bin(name: str) -> str | None:
    import triton
    path = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", name)
    return path if os.path.exists(path) else None


def resources(ptx: str, cubin: bytes, name: str, arch: int) -> dict[str, Any]:
    """Registers, spills, stack, static shared: ``ptxas -v`` on the PTX (Triton's own ptxas),
    else ``cuobjdump --dump-resource-usage`` on the cubin."""
    from kernelhub_cuda.nvgpu import parse_cuobjdump, parse_ptxas_v
    m = re.search(r"^\.target\s+(\w+)", ptx, re.M)
    target = m.group(1) if m else f"sm_{arch}"
    with tempfile.TemporaryDirectory(prefix="kh-sm90-") as d:
        ptx_path, cubin_path = os.path.join(d, "k.ptx"), os.path.join(d, "k.cubin")
        with open(ptx_path, "w") as f:
            f.write(ptx)
        with open(cubin_path, "wb") as f:
            f.write(cubin)
        for tool in ("ptxas-blackwell", "ptxas"):
            exe = _bin(tool)
            if not exe:
                continue
            r = subprocess.run([exe, f"-arch={target}", "-v", ptx_path, "-o", os.devnull],
                               capture_output=True, text=True, timeout=120)
            if r.returncode == 0:
                got = parse_ptxas_v(r.stdout + r.stderr)
                if name in got:
                    return got[name] | {"resource_source": f"{tool} -v"}
        exe = _bin("cuobjdump")
        if exe:
            r = subprocess.run([exe, "--dump-resource-usage", cubin_path], capture_output=True, text=True, timeout=60)
            got = parse_cuobjdump(r.stdout)
            if name in got:
                return got[name] | {"resource_source": "cuobjdump --dump-resource-usage"}
    return {"resource_source": "unavailable"}


def _describe(ck: Any, launch: dict, req: dict) -> dict:
    md, arch = ck.metadata, int(req.get("arch", 90))
    return {"num_ctas": getattr(md, "num_ctas", 1), "dynamic_shared_bytes": md.shared, "target": f"sm_{arch}",
            "ptx_lines": ck.asm["ptx"].count("\n"), **resources(ck.asm["ptx"], ck.asm["cubin"], md.name, arch)}


def main() -> None:
    from triton.backends.compiler import GPUTarget
    compile_launches(lambda req: GPUTarget("cuda", int(req.get("arch", 90)), 32), _describe)


if __name__ == "__main__":
    main()
