"""Cross-compile a candidate's Triton kernels for an AMD target with Triton's own AMD backend
(``GPUTarget('hip', arch, 64)``; no AMD driver needed) and report resources, occupancy inputs and
the instruction summary from the AMDGCN it prints. A subprocess, like ``kernelhub_triton.sm90``
(whose helpers it reuses), so the worker's interpreter mode does not leak into the compile.

stdin: JSON ``{"path", "module", "display", "arch", "asm", "launches": [...]}`` (the triton backend's
launch records); stdout: one JSON line ``{"kernels": [...]}`` or ``{"error": {...}}``."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import traceback


def main() -> None:
    os.environ.pop("TRITON_INTERPRET", None)
    req = json.loads(sys.stdin.read())
    path, display, arch = req["path"], req["display"], req["arch"]
    file_text = open(path).read()
    try:
        import triton
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource

        from kernelhub_rocm import amdgcn
        from kernelhub_triton.sm90 import _unwrap, error_location
        try:
            triton.knobs.runtime.interpret = False
        except AttributeError:
            pass
        spec = importlib.util.spec_from_file_location(req["module"], path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[req["module"]] = mod
        spec.loader.exec_module(mod)
    except BaseException as e:  # noqa: BLE001 - reported, the worker decides
        print(json.dumps({"error": {"message": f"{type(e).__name__}: {e}", "line": None, "column": None,
                                    "traceback": traceback.format_exc()[-3000:]}}))
        return
    out = []
    for launch in req["launches"]:
        name = launch["kernel"]
        fn = _unwrap(getattr(mod, name, None))
        if fn is None:
            out.append({"kernel": name, "ok": False, "message": f"no @triton.jit function {name!r} at module level"})
            continue
        opts = {k: v for k, v in launch.get("options", {}).items() if v is not None and k != "maxnreg"}
        try:
            src = ASTSource(fn, signature=launch["signature"], constexprs=launch.get("constexprs") or {})
            ck = triton.compile(src, target=GPUTarget("hip", arch, 64), options=opts)
        except BaseException as e:  # noqa: BLE001
            line, col, msg = error_location(e, file_text)
            print(json.dumps({"error": {"kernel": name, "message": msg, "line": line, "column": col,
                                        "traceback": traceback.format_exc()[-3000:].replace(path, display)}}))
            return
        md, asm = ck.metadata, ck.asm["amdgcn"]
        found = amdgcn.kernels(asm).get(md.name, {})
        entry = {"kernel": name, "ok": True, "num_warps": md.num_warps, "num_stages": md.num_stages,
                 "workgroup_size": md.num_warps * md.warp_size, "dynamic_lds_bytes": md.shared,
                 "waves_per_eu": getattr(md, "waves_per_eu", 0),
                 "matrix_instr_nonkdim": getattr(md, "matrix_instr_nonkdim", 0),
                 "code_object_bytes": len(ck.asm["hsaco"]), "target": arch,
                 "signature": launch["signature"], "constexprs": launch.get("constexprs") or {}, **found}
        if req.get("asm"):
            # Triton's cache may hand back code compiled from an earlier copy of the same source
            entry["asm"] = re.sub(r"kh_triton_cand_\w+\.py", display, amdgcn.kernel_text(asm, md.name, display, path))
        out.append(entry)
    print(json.dumps({"kernels": out}))


if __name__ == "__main__":
    main()
