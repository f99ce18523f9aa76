"""Build an OpenCL program and turn everything the compiler says into Diagnostics.

Beyond the build itself it checks what OpenCL would otherwise only report as
garbage results: that every kernel named in ``//! kernel:`` exists, that the
argument count matches the launch's ``args`` list, and (from
``-cl-kernel-arg-info``) that pointer/scalar kinds and scalar widths match the
signature (``int n`` where the task passes an int64 reads half of the value).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from kernelhub.launch import Launch, LaunchPlan, Where
from kernelhub.diagnostics import parse_compiler_log
from kernelhub.models import Diagnostic, Profile, Severity, Signature

ARG_INFO_OPTION = "-cl-kernel-arg-info"

#: NumPy dtype -> OpenCL C scalar type name.
CL_TYPE = {"float16": "half", "float32": "float", "float64": "double", "int8": "char", "uint8": "uchar",
           "int16": "short", "uint16": "ushort", "int32": "int", "uint32": "uint", "int64": "long",
           "uint64": "ulong", "bool": "uchar"}
_WIDTH = {"char": 1, "uchar": 1, "bool": 1, "short": 2, "ushort": 2, "half": 2, "int": 4, "uint": 4,
          "float": 4, "long": 8, "ulong": 8, "double": 8, "size_t": 8, "intptr_t": 8}
_FLOAT = {"half", "float", "double"}

# clang style `file:L:C: error: msg` and PoCL style `error: file:L:C: msg`.
@dataclass
class BuildOutcome:
    program: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    log: str = ""
    options: list[str] = field(default_factory=list)


def build_options(candidate_options: dict[str, Any]) -> list[str]:
    raw = candidate_options.get("build_options") or []
    opts = raw.split() if isinstance(raw, str) else [str(o) for o in raw]
    if ARG_INFO_OPTION not in opts:
        opts.append(ARG_INFO_OPTION)
    return opts


def build(ctx: Any, device: Any, source: str | bytes, filename: str, options: list[str]) -> BuildOutcome:
    """Compile ``source`` (OpenCL C text, or a SPIR-V module's bytes) for ``device``. Never raises
    for a candidate's error."""
    import pyopencl as cl
    outcome = BuildOutcome(options=options)
    program = cl.Program(ctx, source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyopencl's CompilerWarning; we read the log ourselves
            program.build(options=options, devices=[device])
        ok = True
    except cl.Error as e:
        ok = False
        err = e
    try:
        outcome.log = program.get_build_info(device, cl.program_build_info.LOG) or ""
    except cl.Error:
        outcome.log = ""
    if not ok and not outcome.log.strip():
        outcome.log = str(err)  # Intel's CPU runtime: the log arrives only inside pyopencl's error
    outcome.diagnostics = parse_compiler_log(outcome.log, filename, source if isinstance(source, str) else "",
                                             every_file_is_candidate=True)
    if ok:
        outcome.program = program
    elif not any(d.severity == Severity.error for d in outcome.diagnostics):
        text = outcome.log.strip() or str(err)
        hint = (" (a build option the compiler does not accept: see `build_options`)"
                if "INVALID_BUILD_OPTIONS" in str(err) or "option" in text.lower() else "")
        outcome.diagnostics.append(Diagnostic(severity=Severity.error, file=filename,
                                              message=f"OpenCL build failed{hint}: {text}"))
    return outcome


# ---------------------------------------------------------------- kernel checks


@dataclass(frozen=True)
class ExpectedArg:
    kind: str            # input / output / scratch / param / local / tensormap
    name: str
    dtype: str
    where: Where


def expected_args(plan: LaunchPlan, launch: Launch, signature: Signature) -> list[ExpectedArg]:
    arrays = {t.name: t.dtype for t in signature.inputs + signature.outputs}
    inputs = {t.name for t in signature.inputs}
    params = {p.name: p.dtype for p in signature.params}
    scratch = {s.name: s.dtype for s in plan.scratch}
    where = launch.args_where or launch.where
    out = []
    entries = ([(n, where, "name") for n in plan.arg_names(launch, signature)] if launch.args is None
               else [(a.name, a.where, a.kind) for a in launch.args])
    for name, w, kind in entries:
        if kind == "local":
            out.append(ExpectedArg("local", "local", "", w))
        elif kind == "tensormap":
            out.append(ExpectedArg("tensormap", name, arrays.get(name, ""), w))
        elif name in arrays:
            out.append(ExpectedArg("input" if name in inputs else "output", name, arrays[name], w))
        elif name in scratch:
            out.append(ExpectedArg("scratch", name, scratch[name], w))
        else:
            out.append(ExpectedArg("param", name, params.get(name, ""), w))
    return out


def kernel_params(source: str, kernel: str, filename: str) -> list[Where] | None:
    """Where each parameter of ``kernel`` is declared in the source (None if not found)."""
    m = re.search(r"\b(?:__kernel|kernel)\b[^;{}]*?\b" + re.escape(kernel) + r"\s*\(", source)
    if not m:
        return None
    depth, start, pieces = 1, m.end(), []
    i = start
    while i < len(source) and depth:
        ch = source[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if (ch == "," and depth == 1) or depth == 0:
            pieces.append((start, i))
            start = i + 1
        i += 1
    lines = source.splitlines()
    out = []
    for a, b in pieces:
        text = source[a:b]
        if not text.strip() or text.strip() == "void":
            continue
        off = a + len(text) - len(text.lstrip())
        line = source.count("\n", 0, off) + 1
        col = off - (source.rfind("\n", 0, off) + 1) + 1
        out.append(Where(filename, line, col, lines[line - 1]))
    return out


def check_kernels(program: Any, device: Any, plan: LaunchPlan, signature: Signature,
                  source: str, filename: str, arg_infos: dict[str, list[ArgInfo | None]] | None = None,
                  ) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Kernel objects by name, and diagnostics on missing kernels and argument mismatches.
    ``arg_infos``: each kernel's parameters as read elsewhere (a SPIR-V module), instead of the
    driver's `-cl-kernel-arg-info`."""
    import pyopencl as cl
    names = [n for n in program.get_info(cl.program_info.KERNEL_NAMES).split(";") if n]
    kernels: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for launch in plan.launches:
        if launch.kernel not in names:
            diags.append(launch.where.diagnostic(
                f"kernel {launch.kernel!r} named here is not in the program; the program defines "
                f"{', '.join(sorted(names)) or 'no kernels'} (is it declared `__kernel void "
                f"{launch.kernel}(...)`?)"))
            continue
        if launch.kernel not in kernels:
            kernels[launch.kernel] = cl.Kernel(program, launch.kernel)
        k = kernels[launch.kernel]
        infos = (arg_infos.get(launch.kernel) if arg_infos is not None
                 else [_arg_info(k, i) for i in range(k.num_args)])
        diags += check_args(k.num_args, infos or [], plan, launch, signature, source, filename)
    return kernels, diags


#: An argument as declared: (type name, address space, parameter name); address space is
#: "global", "constant", "local" or "private". None where the driver cannot tell.
ArgInfo = tuple[str, str, str]


def _arg_info(kernel: Any, i: int) -> ArgInfo | None:
    import pyopencl as cl
    aq = cl.kernel_arg_address_qualifier
    spaces = {aq.GLOBAL: "global", aq.CONSTANT: "constant", aq.LOCAL: "local", aq.PRIVATE: "private"}
    try:
        return (kernel.get_arg_info(i, cl.kernel_arg_info.TYPE_NAME).strip(),
                spaces.get(kernel.get_arg_info(i, cl.kernel_arg_info.ADDRESS_QUALIFIER), "private"),
                kernel.get_arg_info(i, cl.kernel_arg_info.NAME))
    except cl.Error:
        return None  # arg info unavailable on this driver: only the count is checked


_SPACE = re.compile(r"\b(?:__)?(global|constant|local|private)\b")
_QUALIFIERS = re.compile(r"\b(?:__)?(?:global|constant|local|private|const|volatile|restrict|read_only|"
                         r"write_only|read_write)\b")


def source_arg_infos(source: str, kernel: str, filename: str) -> list[ArgInfo | None] | None:
    """Argument declarations read from the source, for runtimes that do not report them
    (SYCL kernel bundles): the same facts ``-cl-kernel-arg-info`` gives. A parameter whose
    text is not a plain declaration (a macro) is None, and only the count is checked for it."""
    decl = kernel_params(source, kernel, filename)
    if decl is None:
        return None
    out: list[ArgInfo | None] = []
    for w in decl:
        text = _param_text(source, w)
        m = re.fullmatch(r"(.*?)([A-Za-z_]\w*)\s*(\[\s*\])?", text.strip(), re.S)
        if not m:
            out.append(None)
            continue
        space = _SPACE.search(m.group(1))
        body = _QUALIFIERS.sub(" ", m.group(1))
        ptr = "*" in body or bool(m.group(3))
        base = " ".join(body.replace("*", " ").split())
        if not re.fullmatch(r"(?:unsigned\s+)?[A-Za-z_]\w*", base):
            out.append(None)
            continue
        base = {"unsigned int": "uint", "unsigned char": "uchar", "unsigned short": "ushort",
                "unsigned long": "ulong", "unsigned": "uint"}.get(base, base)
        out.append((base + ("*" if ptr else ""), space.group(1) if space else "private", m.group(2)))
    return out


def _param_text(source: str, where: Where) -> str:
    """The text of one parameter declaration starting at ``where`` (up to its , or ))."""
    lines = source.splitlines(keepends=True)
    off = sum(len(l) for l in lines[:where.line - 1]) + where.column - 1
    depth, i = 0, off
    while i < len(source):
        ch = source[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            if depth == 0:
                break
            depth -= 1
        elif ch == "," and depth == 0:
            break
        i += 1
    return source[off:i]


def check_args(have: int, infos: list[ArgInfo | None], plan: LaunchPlan, launch: Launch,
               signature: Signature, source: str, filename: str) -> list[Diagnostic]:
    """Diagnostics for a kernel taking ``have`` arguments declared as ``infos`` against what
    the launch passes: count, array vs scalar vs __local, element type, scalar width."""
    want = expected_args(plan, launch, signature)
    decl = kernel_params(source, launch.kernel, filename)
    where = launch.args_where or launch.where
    if len(infos) != have:
        infos = [None] * have
    if have != len(want):
        declared = ", ".join(f"{t} {n}" for t, _, n in filter(None, infos)) if all(infos) else f"{have} parameters"
        origin = "the `//! args:` list" if launch.args is not None else \
            "the default argument list (inputs, outputs, params in signature order)"
        return [where.diagnostic(
            f"kernel {launch.kernel!r} takes {have} argument(s) ({declared}) but {origin} passes "
            f"{len(want)}: {', '.join(a.name for a in want)}; make them match"
            + ("" if launch.args is not None else " or add `//! args: ...`"))]
    diags: list[Diagnostic] = []
    for i, (exp, info) in enumerate(zip(want, infos)):
        if info is None:
            continue
        tname, qual, pname = info
        at = decl[i] if decl and i < len(decl) else exp.where
        is_ptr = tname.endswith("*")
        base = tname.rstrip("*").replace("const", "").replace("volatile", "").strip()
        label = f"argument {i} `{tname} {pname}` of kernel {launch.kernel!r}"
        if exp.kind == "local":
            if qual != "local":
                diags.append(at.diagnostic(f"{label} receives local(...) memory but is not declared `__local`"))
        elif exp.kind in ("input", "output", "scratch"):
            if not is_ptr or qual not in ("global", "constant"):
                diags.append(at.diagnostic(
                    f"{label} receives the {exp.kind} array {exp.name!r} ({exp.dtype}); declare it "
                    f"`__global {CL_TYPE.get(exp.dtype, '?')} *{pname}`"))
                continue
            cl_t = CL_TYPE.get(exp.dtype, "")
            vec = re.fullmatch(r"([a-z]+?)(2|3|4|8|16)?", base)
            if base not in (cl_t, "void", "char", "uchar") and not (vec and vec.group(1) == cl_t):
                diags.append(at.diagnostic(
                    f"{label} receives {exp.name!r} of dtype {exp.dtype} (OpenCL `{cl_t}`); the pointer type "
                    f"`{tname}` reinterprets its bytes", Severity.warning))
        elif exp.kind == "param":
            cl_t = CL_TYPE.get(exp.dtype, "")
            if is_ptr or qual == "local":
                diags.append(at.diagnostic(f"{label} receives the scalar {exp.name!r} ({exp.dtype}); "
                                           f"declare it `{cl_t} {pname}`"))
            elif base in _WIDTH and (_WIDTH[base] != _WIDTH[cl_t] or (base in _FLOAT) != (cl_t in _FLOAT)):
                extra = (" (the classic int-vs-long bug: int64 params are OpenCL `long`; an `int` reads the "
                         "wrong bytes or shifts every later argument)"
                         if {base, cl_t} <= {"int", "uint", "long", "ulong", "short", "char"} else "")
                diags.append(at.diagnostic(
                    f"{label} receives {exp.name!r} as {exp.dtype}; declare it `{cl_t} {pname}`{extra}"))
    return diags


# ---------------------------------------------------------------- profile


def profile(kernels: dict[str, Any], device: Any, build_log: str, options: list[str]) -> Profile:
    import pyopencl as cl
    wg = cl.kernel_work_group_info
    per: dict[str, dict[str, Any]] = {}
    for name, k in kernels.items():
        entry: dict[str, Any] = {}
        for key, attr in (("work_group_size", "WORK_GROUP_SIZE"), ("local_mem_bytes", "LOCAL_MEM_SIZE"),
                          ("private_mem_bytes", "PRIVATE_MEM_SIZE"),
                          ("preferred_work_group_size_multiple", "PREFERRED_WORK_GROUP_SIZE_MULTIPLE"),
                          ("compile_work_group_size", "COMPILE_WORK_GROUP_SIZE")):
            try:
                v = k.get_work_group_info(getattr(wg, attr), device)
                entry[key] = list(v) if isinstance(v, (list, tuple)) else int(v)
            except cl.Error:
                pass
        entry["num_args"] = k.num_args
        per[name] = entry
    headline: dict[str, float | int | str] = {"kernels": len(per)}
    for key, agg in (("work_group_size", min), ("private_mem_bytes", max), ("local_mem_bytes", max),
                     ("preferred_work_group_size_multiple", min)):
        vals = [e[key] for e in per.values() if key in e]
        if vals:
            headline[("max_" if agg is max else "min_") + key if len(per) > 1 else key] = agg(vals)
    return Profile(platform="opencl", headline=headline, static=True,
                   detail={"kernels": per, "device": device.name.strip(), "build_options": options,
                           "build_log": build_log})
