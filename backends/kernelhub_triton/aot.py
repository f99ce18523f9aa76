"""The one ahead-of-time compile loop for Triton candidates, shared by every target (NVIDIA sm_90 in
:mod:`kernelhub_triton.sm90`, AMD in :mod:`kernelhub_rocm.triton_aot`). Each runs as a subprocess so
that Triton is imported in compile mode even when the worker runs the interpreter
(``TRITON_INTERPRET=1`` is decided at decoration time), and so that a compiler crash cannot take the
worker down.

stdin: JSON ``{"path", "module", "display", "arch", "launches": [{"kernel", "signature", "constexprs",
"options"}], ...}`` (the triton backend's launch records); stdout: one JSON line ``{"kernels": [...]}``
or ``{"error": {...}}``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from typing import Any, Callable

#: (compiled kernel, launch record, request) -> the target's own entries for the report
Describe = Callable[[Any, dict, dict], dict]


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


def compile_launches(make_target: Callable[[dict], Any], describe: Describe,
                    skip_options: tuple[str, ...] = ()) -> None:
    """Read the request from stdin, import the candidate's module, compile each launched kernel for
    ``make_target(request)`` and print the report (or the first compile error, with its line)."""
    os.environ.pop("TRITON_INTERPRET", None)
    req = json.loads(sys.stdin.read())
    path, display = req["path"], req["display"]
    file_text = open(path).read()
    try:
        import triton
        from triton.compiler import ASTSource
        try:
            triton.knobs.runtime.interpret = False
        except AttributeError:
            pass
        target = make_target(req)
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
        opts = {k: v for k, v in launch.get("options", {}).items() if v is not None and k not in skip_options}
        try:
            src = ASTSource(fn, signature=launch["signature"], constexprs=launch.get("constexprs") or {})
            ck = triton.compile(src, target=target, options=opts)
        except BaseException as e:  # noqa: BLE001
            line, col, msg = error_location(e, file_text)
            print(json.dumps({"error": {"kernel": name, "message": msg, "line": line, "column": col,
                                        "traceback": traceback.format_exc()[-3000:].replace(path, display)}}))
            return
        out.append({"kernel": name, "ok": True, "num_warps": ck.metadata.num_warps,
                    "num_stages": ck.metadata.num_stages, "signature": launch["signature"],
                    "constexprs": launch.get("constexprs") or {}, **describe(ck, launch, req)})
    print(json.dumps({"kernels": out}))
