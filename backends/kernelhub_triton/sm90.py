"""Cross-compile a candidate's Triton kernels for an NVIDIA target (sm_90 by default) and report
their resources, without a GPU. Runs as a subprocess (``python -m kernelhub_triton.sm90``) so that
it imports Triton in compile mode even when the worker runs the interpreter
(``TRITON_INTERPRET=1`` is decided at decoration time), and so that a compiler crash cannot take
the worker down.

stdin: JSON ``{"path", "module", "display", "arch", "launches": [{"kernel", "signature",
"constexprs", "options"}]}``; stdout: one JSON line ``{"kernels": [...]}`` or ``{"error": {...}}``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback
from typing import Any


def _unwrap(obj: Any) -> Any:
    """Autotuner / Heuristics wrap the JITFunction in ``.fn``."""
    seen = 0
    while not hasattr(obj, "arg_names") or type(obj).__name__ in ("Autotuner", "Heuristics"):
        obj = getattr(obj, "fn", None)
        seen += 1
        if obj is None or seen > 8:
            return None
    return obj


def error_location(err: BaseException, file_text: str) -> tuple[int | None, int | None, str]:
    """(line, column, message) of a Triton CompilationError in the candidate's file: the innermost
    CompilationError of the chain (an error inside a called @triton.jit helper) wins."""
    from triton.compiler.errors import CompilationError
    chain, e = [], err
    while e is not None and len(chain) < 16:
        if isinstance(e, CompilationError):
            chain.append(e)
        e = e.__cause__ or e.__context__
    inner = chain[-1] if chain else err
    node, src = getattr(inner, "node", None), getattr(inner, "src", None)
    msg = (getattr(inner, "error_message", None) or "").strip()
    if not msg:
        cause = inner.__cause__ or inner.__context__
        msg = f"{type(cause).__name__}: {cause}" if cause is not None else type(inner).__name__
    line = col = None
    if node is not None and hasattr(node, "lineno") and src:
        first = src.splitlines()[0] if src.splitlines() else ""
        at = file_text.find(src)
        if at < 0 and first:
            at = file_text.find(first)
        if at >= 0:
            line = file_text[:at].count("\n") + node.lineno
            col = node.col_offset + 1
    return line, col, msg


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


def main() -> None:
    os.environ.pop("TRITON_INTERPRET", None)
    req = json.loads(sys.stdin.read())
    path, display, arch = req["path"], req["display"], int(req.get("arch", 90))
    file_text = open(path).read()
    try:
        import triton
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource
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
        opts = {k: v for k, v in launch.get("options", {}).items() if v is not None}
        try:
            src = ASTSource(fn, signature=launch["signature"], constexprs=launch.get("constexprs") or {})
            ck = triton.compile(src, target=GPUTarget("cuda", arch, 32), options=opts)
        except BaseException as e:  # noqa: BLE001
            line, col, msg = error_location(e, file_text)
            print(json.dumps({"error": {"kernel": name, "message": msg, "line": line, "column": col,
                                        "traceback": traceback.format_exc()[-3000:].replace(path, display)}}))
            return
        md = ck.metadata
        entry = {"kernel": name, "ok": True, "num_warps": md.num_warps, "num_stages": md.num_stages,
                 "num_ctas": getattr(md, "num_ctas", 1), "dynamic_shared_bytes": md.shared,
                 "target": f"sm_{arch}", "ptx_lines": ck.asm["ptx"].count("\n"),
                 "signature": launch["signature"], "constexprs": launch.get("constexprs") or {}}
        entry.update(resources(ck.asm["ptx"], ck.asm["cubin"], md.name, arch))
        out.append(entry)
    print(json.dumps({"kernels": out}))


if __name__ == "__main__":
    main()
