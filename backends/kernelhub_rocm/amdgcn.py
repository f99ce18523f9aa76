"""Read AMDGCN assembly as the compiler printed it (Triton's ``asm['amdgcn']``, clang's ``-save-temps``
``.s``): per-kernel resources from the code object metadata (``.amdgpu_metadata``) and the compiler's
``; NumVgprs`` / ``; Occupancy`` comments, an instruction count by class, and one kernel's text."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_META = re.compile(r"\.amdgpu_metadata\n(.*?)\.end_amdgpu_metadata", re.S)
_KV = re.compile(r"^\s*(?:- )?\.(\w+):\s*(\S.*?)\s*$")
_COMMENTS = {"NumVgprs": "arch_vgprs", "NumAgprs": "agprs", "TotalNumVgprs": "total_vgprs",
             "TotalNumSgprs": "total_sgprs", "ScratchSize": "scratch_bytes", "Occupancy": "compiler_occupancy",
             "codeLenInByte": "code_bytes"}
_COMMENT = re.compile(r"^; (\w+)(?::| =) (\d+)", re.M)
_FUNC_END = re.compile(r"^\.Lfunc_end\d+:", re.M)

#: metadata keys -> report keys
_MD = {"vgpr_count": "vgpr_count", "agpr_count": "agpr_count", "sgpr_count": "sgpr_count",
       "vgpr_spill_count": "vgpr_spills", "sgpr_spill_count": "sgpr_spills",
       "private_segment_fixed_size": "scratch_bytes", "group_segment_fixed_size": "static_lds_bytes",
       "wavefront_size": "wavefront_size", "max_flat_workgroup_size": "max_flat_workgroup_size",
       "uses_dynamic_stack": "dynamic_stack"}


def _value(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text.strip("'\"")


def metadata(asm: str) -> dict[str, dict[str, Any]]:
    """Kernel name -> resources from the ``amdhsa.kernels`` metadata block."""
    m = _META.search(asm)
    if not m:
        return {}
    kernels: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    depth = None
    for line in m.group(1).splitlines():
        if re.match(r"^  - \.", line):                 # a new kernel entry (two-space list item)
            cur = {}
            kernels.append(cur)
        if line.startswith("amdhsa.target") or line.startswith("amdhsa.version"):
            cur = None
        if cur is None:
            continue
        indent = len(line) - len(line.lstrip(" -"))
        if depth is None and re.match(r"^  - \.", line):
            depth = indent
        km = _KV.match(line)
        if km and indent == depth and km.group(1) in (*_MD, "name"):
            cur[km.group(1)] = _value(km.group(2))
    out = {}
    for k in kernels:
        if "name" in k:
            out[str(k["name"])] = {_MD[key]: v for key, v in k.items() if key in _MD}
    return out


def _functions(asm: str) -> dict[str, str]:
    """Kernel name -> its code, from its label to ``.Lfunc_endN``."""
    out = {}
    for m in re.finditer(r"^(\w[\w.$]*):\s*(?:;.*)?$", asm, re.M):
        name = m.group(1)
        head = asm[max(0, m.start() - 400):m.start()]
        if f".type\t{name},@function" not in head and f".type {name},@function" not in head:
            continue
        end = _FUNC_END.search(asm, m.end())
        out[name] = asm[m.start():end.start() if end else len(asm)]
    return out


def _comments(asm: str, names: list[str]) -> dict[str, dict[str, int]]:
    """The compiler's ``; Kernel info:`` comment block that follows each function's code."""
    out = {}
    for name in names:
        m = re.search(r"^" + re.escape(name) + r":", asm, re.M)
        at = asm.find("; Kernel info:", m.end()) if m else -1
        if at < 0:
            continue
        block = asm[at:].split("\n\t.", 1)[0]
        out[name] = {_COMMENTS[k]: int(v) for k, v in _COMMENT.findall(block) if k in _COMMENTS}
    return out


def classify(mnemonic: str) -> str:
    """Instruction class of one AMDGCN mnemonic."""
    m = mnemonic
    if m.startswith(("v_mfma", "v_smfmac")):
        return "mfma"
    if m.startswith("v_wmma") or m.startswith("v_swmmac"):
        return "wmma"
    if m.startswith(("v_accvgpr",)):
        return "agpr_move"
    if m.startswith("v_"):
        return "valu"
    if m.startswith(("global_", "buffer_", "flat_", "tbuffer_")):
        return "vmem"
    if m.startswith("scratch_"):
        return "scratch"
    if m.startswith("ds_"):
        return "lds"
    if m.startswith("s_waitcnt"):
        return "waitcnt"
    if m.startswith("s_barrier"):
        return "barrier"
    if m.startswith(("s_load", "s_buffer_load", "s_store", "s_buffer_store", "s_scratch")):
        return "smem"
    if m.startswith(("s_branch", "s_cbranch", "s_setpc", "s_swappc", "s_getpc", "s_endpgm")):
        return "branch"
    if m.startswith("s_"):
        return "salu"
    return "other"


_INSN = re.compile(r"^\s+([a-z][a-z0-9_]*)(?:\s|$)")


def instruction_summary(code: str) -> dict[str, Any]:
    """Static counts (instructions in the code, not executed) by class, plus the MFMA/WMMA mnemonics."""
    classes: Counter[str] = Counter()
    matrix: Counter[str] = Counter()
    for line in code.splitlines():
        m = _INSN.match(line)
        if not m:
            continue
        c = classify(m.group(1))
        classes[c] += 1
        if c in ("mfma", "wmma"):
            matrix[m.group(1)] += 1
    out: dict[str, Any] = {k: classes.get(k, 0) for k in
                           ("mfma", "wmma", "valu", "salu", "vmem", "smem", "lds", "scratch", "waitcnt", "barrier",
                            "branch", "agpr_move", "other")}
    out["total"] = sum(classes.values())
    out["matrix_instructions"] = dict(matrix)
    return out


def kernels(asm: str) -> dict[str, dict[str, Any]]:
    """Kernel name -> resources, compiler occupancy and instruction summary."""
    md, funcs = metadata(asm), _functions(asm)
    comments = _comments(asm, list(funcs))
    out = {}
    for name, res in md.items():
        e = dict(res)
        c = comments.get(name, {})
        e["arch_vgprs"] = c.get("arch_vgprs", e.get("vgpr_count", 0))
        e["agprs"] = c.get("agprs", e.get("agpr_count", 0))
        for k in ("total_vgprs", "compiler_occupancy", "code_bytes"):
            if k in c:
                e[k] = c[k]
        e.setdefault("scratch_bytes", c.get("scratch_bytes", 0))
        code = funcs.get(name, "")
        e["instructions"] = instruction_summary(code)
        out[name] = e
    return out


def kernel_text(asm: str, name: str, display: str | None = None, compiled_as: str | None = None) -> str:
    """One kernel's code (with ``.loc`` lines naming the author's file where ``compiled_as`` is given)."""
    code = _functions(asm).get(name, "")
    if display and compiled_as:
        import os
        code = code.replace(compiled_as, display).replace(os.path.basename(compiled_as), display)
    return code
