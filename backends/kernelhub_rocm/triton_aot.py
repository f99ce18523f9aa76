"""Cross-compile a candidate's Triton kernels for an AMD target with Triton's own AMD backend
(``GPUTarget('hip', arch, 64)``; no AMD driver needed) and report resources, occupancy inputs and
the instruction summary from the AMDGCN it prints: the shared loop of :mod:`kernelhub_triton.aot`
with an AMD target; the request may add ``"asm": true`` for the kernel's assembly."""

from __future__ import annotations

import re
from typing import Any

from kernelhub_triton.aot import compile_launches


def _describe(ck: Any, launch: dict, req: dict) -> dict:
    from kernelhub_rocm import amdgcn
    md, asm, arch = ck.metadata, ck.asm["amdgcn"], req["arch"]
    entry = {"workgroup_size": md.num_warps * md.warp_size, "dynamic_lds_bytes": md.shared,
             "waves_per_eu": getattr(md, "waves_per_eu", 0),
             "matrix_instr_nonkdim": getattr(md, "matrix_instr_nonkdim", 0),
             "code_object_bytes": len(ck.asm["hsaco"]), "target": arch, **amdgcn.kernels(asm).get(md.name, {})}
    if req.get("asm"):
        # Triton's cache may hand back code compiled from an earlier copy of the same source
        entry["asm"] = re.sub(r"kh_triton_cand_\w+\.py", req["display"],
                              amdgcn.kernel_text(asm, md.name, req["display"], req["path"]))
    return entry


def main() -> None:
    from triton.backends.compiler import GPUTarget
    compile_launches(lambda req: GPUTarget("hip", req["arch"], 64), _describe, skip_options=("maxnreg",))


if __name__ == "__main__":
    main()
