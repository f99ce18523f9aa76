"""Launch directives: how a kernel-source candidate states its kernels and launch geometry.

OpenCL (and later CUDA/HIP) candidates are plain kernel source; the host side is
written once by the backend. The candidate tells it what to launch in ``//!``
comment lines::

    //! kernel: NAME                      starts a launch (several run in order)
    //! global: EXPR[, EXPR[, EXPR]]      global size (OpenCL NDRange; CUDA: total threads)
    //! local: EXPR[, ...] | auto         work-group size (default auto)
    //! args: a, b, out, n, local(float32, 256)
    //! when: CONDITION                   run this launch only where it holds (e.g. K % 8 == 0)
    //! scratch: NAME DTYPE COUNT-EXPR    device-only global buffer, whole candidate

CUDA candidates may also pass ``tensormap(ARRAY, BOX..., swizzle=S)`` in ``args:``: a Hopper TMA
descriptor (CUtensorMap) over a signature array, built on the host for each call; other backends
reject it. ``when:`` lets a candidate pair such a fast path with a general one (TMA needs 16-byte
aligned rows): launches whose condition is false are skipped, and a shape where none runs is an error.

Expressions are :mod:`kernelhub.expr` expressions over the signature's shape
symbols and params. This module is pure (no platform import): ``parse_launches``
checks syntax, ``LaunchPlan.check`` checks names against a signature, and
``LaunchPlan.resolve`` turns the plan into concrete ints for one call. Every
problem is a :class:`LaunchError` carrying Diagnostics that point at the
directive's line and column.

Design decision: a ``local`` size that does not divide the ``global`` size is an
**error** (at resolve time, on the ``local:`` line). OpenCL 1.x devices reject it
at enqueue time while OpenCL 2+/3 devices with non-uniform work-groups accept it,
and CUDA needs whole blocks; making it an error everywhere keeps a candidate that
passes here portable. Use ``round_up(n, 256)`` and an ``if (i < n)`` guard.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping

import numpy as np

from kernelhub import expr
from kernelhub.models import Diagnostic, Severity, Signature

DIRECTIVES = ("kernel", "global", "local", "args", "when", "scratch")
_PREFIX = re.compile(r"^(\s*)//!")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALLOWED_NODES = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div,
                  ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd, ast.Call, ast.Constant,
                  ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.BoolOp, ast.And,
                  ast.Or, ast.Not)
#: TMA swizzle modes (bytes of one swizzle span; 0 = none) that ``tensormap(...)`` accepts
TMA_SWIZZLES = (0, 32, 64, 128)

#: dtype spellings accepted in ``local(...)`` and ``scratch:``; OpenCL C names map to NumPy's.
DTYPE_ALIASES: dict[str, str] = {
    **{d: d for d in ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                      "uint8", "uint16", "uint32", "uint64")},
    "half": "float16", "float": "float32", "double": "float64", "char": "int8", "uchar": "uint8",
    "short": "int16", "ushort": "uint16", "int": "int32", "uint": "uint32", "long": "int64",
    "ulong": "uint64",
}
#: vector types allowed in ``local(...)``/``scratch:`` (e.g. float4): base dtype and width.
_VECTOR = re.compile(r"^(half|float|double|char|uchar|short|ushort|int|uint|long|ulong)(2|3|4|8|16)$")


class LaunchError(ValueError):
    """Bad launch directives. ``diagnostics`` point at the offending lines; str() lists them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(format_diagnostic(d) for d in diagnostics))


def format_diagnostic(d: Diagnostic) -> str:
    loc = ":".join(str(x) for x in (d.file, d.line, d.column) if x is not None)
    return f"{loc + ': ' if loc else ''}{d.severity.value}: {d.message}"


@dataclass(frozen=True)
class Where:
    """A position in the candidate source (1-based line and column)."""

    file: str
    line: int
    column: int
    source_line: str

    def at(self, column: int) -> "Where":
        return Where(self.file, self.line, column, self.source_line)

    def diagnostic(self, message: str, severity: Severity = Severity.error) -> Diagnostic:
        return Diagnostic(severity=severity, message=message, file=self.file, line=self.line,
                          column=self.column, source_line=self.source_line)


@dataclass(frozen=True)
class Expr:
    """One expression of a directive, with where it sits."""

    text: str
    where: Where


@dataclass(frozen=True)
class LaunchArg:
    """One entry of ``args:``: a name (array, param or scratch), ``local(DTYPE, COUNT)`` or
    ``tensormap(ARRAY, BOX..., swizzle=S)`` (CUDA only)."""

    kind: Literal["name", "local", "tensormap"]
    where: Where
    name: str = ""
    dtype: str = ""       # local: NumPy dtype of one element (vector types widen itemsize)
    width: int = 1        # local: vector width (float4 -> 4)
    count: Expr | None = None
    box: tuple[Expr, ...] = ()  # tensormap: box extent per array dimension, outermost first
    swizzle: int = 0            # tensormap: swizzle span in bytes (0 = none)


@dataclass
class Launch:
    kernel: str
    where: Where                       # the ``kernel:`` directive
    global_size: list[Expr] = field(default_factory=list)
    global_where: Where | None = None
    local_size: list[Expr] | None = None  # None: auto (the runtime picks)
    local_where: Where | None = None
    args: list[LaunchArg] | None = None   # None: inputs, outputs, params in signature order
    args_where: Where | None = None
    when: Expr | None = None              # None: always runs


@dataclass(frozen=True)
class Scratch:
    name: str
    dtype: str
    width: int
    count: Expr
    where: Where

    @property
    def itemsize(self) -> int:
        return np.dtype(self.dtype).itemsize * self.width


# ---------------------------------------------------------------- resolved (concrete) form


@dataclass(frozen=True)
class ResolvedArg:
    """One kernel argument of one call.

    kind: 'input' / 'output' (signature arrays), 'scratch' (device-only buffer),
    'param' (scalar, ``value`` is a NumPy scalar of the Param dtype), 'local'
    (``nbytes`` of __local memory), 'tensormap' (a TMA descriptor over array ``name``;
    ``value`` is (box extents outermost first, swizzle bytes))."""

    kind: Literal["input", "output", "scratch", "param", "local", "tensormap"]
    name: str = ""
    dtype: str = ""
    value: Any = None
    nbytes: int = 0
    where: Where | None = None


@dataclass(frozen=True)
class ResolvedLaunch:
    kernel: str
    global_size: tuple[int, ...]
    local_size: tuple[int, ...] | None
    args: tuple[ResolvedArg, ...]
    where: Where
    local_where: Where | None = None
    args_where: Where | None = None


@dataclass
class LaunchPlan:
    """Parsed directives of one candidate."""

    filename: str
    launches: list[Launch]
    scratch: list[Scratch] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    #: names the backend binds beside the shape symbols (the cuda backend's ``sm``, e.g. 90)
    symbols: tuple[str, ...] = ()

    @property
    def kernels(self) -> list[str]:
        """Distinct kernel names, in first-use order."""
        return list(dict.fromkeys(launch.kernel for launch in self.launches))

    def arg_names(self, launch: Launch, signature: Signature) -> list[str]:
        if launch.args is None:
            return _default_names(signature)
        return [a.name if a.kind == "name" else a.kind for a in launch.args]

    @property
    def tensormap_args(self) -> list[LaunchArg]:
        return [a for launch in self.launches for a in launch.args or [] if a.kind == "tensormap"]

    def missing_kernels(self, defined: Iterable[str], container: str) -> list[Diagnostic]:
        """An error on each directive whose kernel ``defined`` (what the compiled ``container`` holds)
        lacks, naming a C++-mangled near miss where there is one."""
        defined = sorted(defined)
        out = []
        for launch in self.launches:
            if launch.kernel in defined:
                continue
            mangled = [k for k in defined if launch.kernel in k]
            hint = (f" (the {container} has {mangled[0]!r}: declare it `extern \"C\" __global__` so the name is "
                    "not C++-mangled)" if mangled else f"; the {container} defines {', '.join(defined) or 'no kernels'}")
            out.append(launch.where.diagnostic(f"kernel {launch.kernel!r} named here is not in the compiled code{hint}"))
        return out

    # ------------------------------------------------------------ static check

    def check(self, signature: Signature) -> list[Diagnostic]:
        """Name checks against a signature (no shapes needed): errors and warnings."""
        diags: list[Diagnostic] = list(self.warnings)
        arrays = {t.name for t in signature.inputs + signature.outputs}
        params = {p.name for p in signature.params}
        symbols = signature.symbols() | params | set(self.symbols)
        scratch = {s.name for s in self.scratch}
        for s in self.scratch:
            if s.name in arrays | params:
                diags.append(s.where.diagnostic(
                    f"scratch buffer {s.name!r} has the name of a signature argument; rename it"))
        seen: set[str] = set()
        for s in self.scratch:
            if s.name in seen:
                diags.append(s.where.diagnostic(f"scratch buffer {s.name!r} is declared twice"))
            seen.add(s.name)
        exprs: list[Expr] = [s.count for s in self.scratch]
        used: set[str] = set()
        dims = {t.name: t.dims for t in signature.inputs + signature.outputs}
        for launch in self.launches:
            exprs += launch.global_size + (launch.local_size or []) + ([launch.when] if launch.when else [])
            for a in launch.args or []:
                if a.kind == "local":
                    exprs.append(a.count)  # type: ignore[arg-type]
                    continue
                if a.kind == "tensormap":
                    exprs += a.box
                    if a.name not in dims:
                        diags.append(a.where.diagnostic(
                            f"tensormap: {a.name!r} is not an input or output array; known: {sorted(dims)}"))
                    elif len(a.box) != len(dims[a.name]):
                        diags.append(a.where.diagnostic(
                            f"tensormap({a.name}, ...) gives {len(a.box)} box extent(s) but {a.name!r} has "
                            f"{len(dims[a.name])} dimension(s) {list(dims[a.name])}; give one per dimension, "
                            "outermost first"))
                    continue
                used.add(a.name)
                if a.name not in arrays | params | scratch:
                    diags.append(a.where.diagnostic(
                        f"args: unknown name {a.name!r}; known: inputs {[t.name for t in signature.inputs]}, "
                        f"outputs {[t.name for t in signature.outputs]}, params {[p.name for p in signature.params]}"
                        + (f", scratch {sorted(scratch)}" if scratch else "")
                        + " (or local(DTYPE, COUNT) for __local memory)"))
        for e in exprs:
            unknown = sorted(expr.names(e.text) - symbols)
            if unknown:
                diags.append(e.where.diagnostic(
                    f"expression {e.text!r} uses unknown name(s) {unknown}; known: {sorted(symbols)}"))
        for s in self.scratch:
            if s.name not in used:
                diags.append(s.where.diagnostic(
                    f"scratch buffer {s.name!r} is never passed in any `//! args:` list", Severity.warning))
        return diags

    # ------------------------------------------------------------ resolve

    def resolve(self, signature: Signature, shape_env: Mapping[str, int | float]) -> list[ResolvedLaunch]:
        """Concrete launches for one call. ``shape_env`` binds shape symbols and params
        (see :func:`shape_env`). Raises LaunchError on any problem."""
        errors = [d for d in self.check(signature) if d.severity == Severity.error]
        if errors:
            raise LaunchError(errors)
        env = dict(shape_env)
        inputs = {t.name for t in signature.inputs}
        outputs = {t.name for t in signature.outputs}
        pdtype = {p.name: p.dtype for p in signature.params}
        scratch = {s.name: s for s in self.scratch}
        for s in self.scratch:
            _positive(s.count, env, allow_zero=True)
        out: list[ResolvedLaunch] = []
        for launch in self.launches:
            if launch.when is not None and not _value(launch.when, env):
                continue
            gsz = tuple(_positive(e, env) for e in launch.global_size)
            lsz = tuple(_positive(e, env) for e in launch.local_size) if launch.local_size else None
            if lsz is not None:
                bad = [(i, g, l) for i, (g, l) in enumerate(zip(gsz, lsz)) if g % l]
                if bad:
                    i, g, l = bad[0]
                    raise LaunchError([launch.local_where.diagnostic(  # type: ignore[union-attr]
                        f"local size {l} does not divide global size {g} in dimension {i} "
                        f"(kernel {launch.kernel!r}, global {list(gsz)}, local {list(lsz)}); "
                        f"round the global size up, e.g. `//! global: round_up(n, {l})`, and guard "
                        "the tail with `if (i < n)` in the kernel")])
            args: list[ResolvedArg] = []
            if launch.args is None:
                entries: list[tuple[str, LaunchArg | None]] = [(n, None) for n in _default_names(signature)]
            else:
                entries = [(a.name, a) for a in launch.args]
            for name, a in entries:
                w = a.where if a is not None else launch.where
                if a is not None and a.kind == "local":
                    count = _positive(a.count, env, allow_zero=False)  # type: ignore[arg-type]
                    nbytes = count * np.dtype(a.dtype).itemsize * a.width
                    args.append(ResolvedArg("local", dtype=a.dtype, nbytes=nbytes, where=w))
                elif a is not None and a.kind == "tensormap":
                    box = tuple(_positive(e, env) for e in a.box)
                    args.append(ResolvedArg("tensormap", name=name, value=(box, a.swizzle), where=w))
                elif name in inputs or name in outputs:
                    args.append(ResolvedArg("input" if name in inputs else "output", name=name, where=w))
                elif name in scratch:
                    args.append(ResolvedArg("scratch", name=name, dtype=scratch[name].dtype, where=w))
                else:
                    dt = pdtype[name]
                    args.append(ResolvedArg("param", name=name, dtype=dt, value=np.dtype(dt).type(env[name]),
                                            where=w))
            out.append(ResolvedLaunch(launch.kernel, gsz, lsz, tuple(args), launch.where,
                                      launch.local_where, launch.args_where))
        if not out:
            conds = [launch.when for launch in self.launches if launch.when is not None]
            shown = {k: env[k] for k in sorted(set().union(*(expr.names(c.text) for c in conds))) if k in env}
            raise LaunchError([conds[0].where.diagnostic(
                f"no launch runs for {shown}: every `when:` condition is false; add a launch whose condition "
                "covers this case")])
        return out

    def scratch_sizes(self, shape_env: Mapping[str, int | float]) -> dict[str, tuple[str, int, int]]:
        """name -> (dtype, element count, bytes) of each scratch buffer for one call."""
        env = dict(shape_env)
        out = {}
        for s in self.scratch:
            n = _positive(s.count, env, allow_zero=True)
            out[s.name] = (s.dtype, n, n * s.itemsize)
        return out


def _default_names(signature: Signature) -> list[str]:
    return ([t.name for t in signature.inputs] + [t.name for t in signature.outputs]
            + [p.name for p in signature.params])


def _value(e: Expr, env: Mapping[str, int | float]) -> int | float:
    try:
        return expr.evaluate(e.text, env)
    except expr.ExprError as err:
        raise LaunchError([e.where.diagnostic(str(err))]) from None
    except (TypeError, ValueError, OverflowError) as err:
        raise LaunchError([e.where.diagnostic(f"cannot evaluate {e.text!r}: {err}")]) from None


def _positive(e: Expr, env: Mapping[str, int | float], allow_zero: bool = False) -> int:
    v = _value(e, env)
    if isinstance(v, float):
        if not v.is_integer():
            raise LaunchError([e.where.diagnostic(
                f"{e.text!r} evaluates to {v}, not an integer; use // or cdiv(a, b) instead of /")])
        v = int(v)
    if v < 0 or (v == 0 and not allow_zero):
        shown = {k: env[k] for k in sorted(expr.names(e.text)) if k in env}
        raise LaunchError([e.where.diagnostic(
            f"{e.text!r} evaluates to {v} with {shown}; sizes must be {'>= 0' if allow_zero else 'positive'}")])
    return int(v)


def shape_env(signature: Signature, arrays: Mapping[str, Any], params: Mapping[str, int | float]) -> dict[str, int | float]:
    """Bind shape symbols from the arrays' shapes (``.shape``), then the call's params."""
    env: dict[str, int | float] = {}
    for t in signature.inputs + signature.outputs:
        a = arrays.get(t.name)
        if a is None:
            continue
        for d, n in zip(t.dims, a.shape):
            if isinstance(d, str):
                env[d] = int(n)
    env.update(params)
    for p in signature.params:
        if p.name not in env and p.value is not None:
            env[p.name] = p.value
    return env


# ---------------------------------------------------------------- parsing


def _split_top(text: str, start_col: int) -> list[tuple[str, int]]:
    """Split on commas outside parentheses; return (stripped piece, 1-based column)."""
    pieces, depth, begin = [], 0, 0
    for i, ch in enumerate(text + ","):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth <= 0:
            raw = text[begin:i]
            lead = len(raw) - len(raw.lstrip())
            pieces.append((raw.strip(), start_col + begin + lead))
            begin = i + 1
    if begin <= len(text):  # unbalanced parentheses: keep the rest whole, the parser says why
        raw = text[begin:]
        pieces.append((raw.strip(), start_col + begin + len(raw) - len(raw.lstrip())))
    return pieces


def _dtype(spelling: str) -> tuple[str, int] | None:
    s = spelling.strip()
    if s in DTYPE_ALIASES:
        return DTYPE_ALIASES[s], 1
    m = _VECTOR.match(s)
    if m:
        return DTYPE_ALIASES[m.group(1)], int(m.group(2)) if m.group(2) != "3" else 4
    return None


def _expr(text: str, where: Where, errors: list[Diagnostic]) -> Expr | None:
    if not text:
        errors.append(where.diagnostic("empty expression"))
        return None
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        col = where.column + max((e.offset or 1) - 1, 0)
        errors.append(where.at(col).diagnostic(f"cannot parse expression {text!r}: {e.msg}"))
        return None
    for node in ast.walk(tree.body):
        bad = None
        if isinstance(node, ast.Call):
            fname = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            if fname not in expr.FUNCTIONS or node.keywords:
                bad = f"unknown function {fname!r}; allowed: {', '.join(sorted(expr.FUNCTIONS))}"
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float)) or isinstance(node.value, bool):
                bad = f"constant {node.value!r} is not a number"
        elif not isinstance(node, _ALLOWED_NODES):
            bad = f"unsupported syntax {type(node).__name__} (use + - * / // % ** and function calls)"
        if bad:
            col = where.column + getattr(node, "col_offset", 0)
            errors.append(where.at(col).diagnostic(f"in expression {text!r}: {bad}"))
            return None
    return Expr(text, where)


def _exprs(value: str, where: Where, errors: list[Diagnostic], what: str) -> list[Expr] | None:
    pieces = _split_top(value, where.column)
    if not 1 <= len(pieces) <= 3:
        errors.append(where.diagnostic(f"{what}: expected 1 to 3 comma-separated sizes, got {len(pieces)}"))
        return None
    out = []
    for text, col in pieces:
        e = _expr(text, where.at(col), errors)
        if e is None:
            return None
        out.append(e)
    return out


def _parse_args(value: str, where: Where, errors: list[Diagnostic]) -> list[LaunchArg] | None:
    out: list[LaunchArg] = []
    if not value.strip():
        errors.append(where.diagnostic("args: empty list; list the kernel's arguments in order, "
                                       "or drop the directive for inputs, outputs, params"))
        return None
    for text, col in _split_top(value, where.column):
        w = where.at(col)
        m = re.fullmatch(r"local\s*\((.*)\)", text, re.S)
        if m:
            inner = _split_top(m.group(1), col + text.index("(") + 1)
            if len(inner) != 2:
                errors.append(w.diagnostic(f"args: expected local(DTYPE, COUNT), got {text!r}"))
                return None
            dt = _dtype(inner[0][0])
            if dt is None:
                errors.append(w.at(inner[0][1]).diagnostic(
                    f"unknown dtype {inner[0][0]!r} in local(...); use one of {sorted(DTYPE_ALIASES)} "
                    "or a vector type like float4"))
                return None
            count = _expr(inner[1][0], w.at(inner[1][1]), errors)
            if count is None:
                return None
            out.append(LaunchArg("local", w, dtype=dt[0], width=dt[1], count=count))
            continue
        m = re.fullmatch(r"tensormap\s*\((.*)\)", text, re.S)
        if m:
            arg = _parse_tensormap(m.group(1), col + text.index("(") + 1, w, errors)
            if arg is None:
                return None
            out.append(arg)
        elif _IDENT.match(text):
            out.append(LaunchArg("name", w, name=text))
        else:
            errors.append(w.diagnostic(f"args: {text!r} is neither a name, local(DTYPE, COUNT) nor "
                                       "tensormap(ARRAY, BOX..., swizzle=S)"))
            return None
    return out


def _parse_tensormap(inner_text: str, col: int, w: Where, errors: list[Diagnostic]) -> LaunchArg | None:
    """``tensormap(ARRAY, BOX..., swizzle=S)``: box extents outermost first (as the array's shape)."""
    usage = "expected tensormap(ARRAY, BOX0[, BOX1...][, swizzle=0|32|64|128]), box extents outermost first"
    inner = _split_top(inner_text, col)
    swizzle = 0
    if inner and inner[-1][0].replace(" ", "").startswith("swizzle="):
        text, scol = inner.pop()
        value = text.split("=", 1)[1].strip()
        if not value.isdigit() or int(value) not in TMA_SWIZZLES:
            errors.append(w.at(scol).diagnostic(f"tensormap: swizzle must be one of {TMA_SWIZZLES} (bytes), "
                                                f"got {value!r}"))
            return None
        swizzle = int(value)
    if len(inner) < 2 or not _IDENT.match(inner[0][0]):
        errors.append(w.diagnostic(f"args: {usage}; got tensormap({inner_text})"))
        return None
    if len(inner) - 1 > 5:
        errors.append(w.diagnostic(f"tensormap: at most 5 box extents (TMA tensors have rank <= 5), got {len(inner) - 1}"))
        return None
    box = []
    for text, bcol in inner[1:]:
        e = _expr(text, w.at(bcol), errors)
        if e is None:
            return None
        box.append(e)
    return LaunchArg("tensormap", w, name=inner[0][0], box=tuple(box), swizzle=swizzle)


def parse_launches(source: str, filename: str = "candidate") -> LaunchPlan:
    """Parse the ``//!`` directives of a kernel source. Raises LaunchError listing every
    problem found (unknown directive, bad expression, no ``kernel:``, dims mismatch...)."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    launches: list[Launch] = []
    scratch: list[Scratch] = []
    for lineno, line in enumerate(source.splitlines(), start=1):
        m = _PREFIX.match(line)
        if not m:
            continue
        body_col = m.end() + 1  # 1-based column just after //!
        body = line[m.end():]
        key, sep, value = body.partition(":")
        key_col = body_col + len(key) - len(key.lstrip())
        where = Where(filename, lineno, key_col, line)
        key = key.strip()
        if not sep or not _IDENT.match(key):
            errors.append(where.diagnostic(
                f"expected `//! KEY: VALUE` with KEY one of {', '.join(DIRECTIVES)}"))
            continue
        if key not in DIRECTIVES:
            close = [d for d in DIRECTIVES if d[:3] == key[:3].lower()]
            errors.append(where.diagnostic(
                f"unknown directive {key!r}{f' (did you mean {close[0]!r}?)' if close else ''}; "
                f"known: {', '.join(DIRECTIVES)}"))
            continue
        # column of the value's first non-blank character
        vstart = m.end() + body.index(":") + 1
        vcol = vstart + (len(value) - len(value.lstrip())) + 1
        vwhere = Where(filename, lineno, vcol, line)
        value = value.strip()
        if key == "kernel":
            if not _IDENT.match(value):
                errors.append(vwhere.diagnostic(f"kernel: expected a kernel function name, got {value!r}"))
                continue
            launches.append(Launch(kernel=value, where=vwhere))
            continue
        if key == "scratch":
            parts = value.split(None, 2)
            if len(parts) != 3:
                errors.append(vwhere.diagnostic(f"scratch: expected `NAME DTYPE COUNT-EXPR`, got {value!r}"))
                continue
            name, dts, count_text = parts
            if not _IDENT.match(name):
                errors.append(vwhere.diagnostic(f"scratch: {name!r} is not a valid name"))
                continue
            dt = _dtype(dts)
            dcol = vcol + value.index(dts, len(name))
            if dt is None:
                errors.append(vwhere.at(dcol).diagnostic(
                    f"scratch: unknown dtype {dts!r}; use one of {sorted(DTYPE_ALIASES)} or a vector type like float4"))
                continue
            ccol = vcol + value.index(count_text, value.index(dts, len(name)) + len(dts))
            count = _expr(count_text, vwhere.at(ccol), errors)
            if count is not None:
                scratch.append(Scratch(name, dt[0], dt[1], count, vwhere))
            continue
        if not launches:
            errors.append(where.diagnostic(f"`{key}:` comes before any `//! kernel: NAME`; "
                                           "start each launch with a kernel directive"))
            continue
        cur = launches[-1]
        if key == "global":
            if cur.global_where is not None:
                errors.append(where.diagnostic(f"second `global:` for kernel {cur.kernel!r} "
                                               f"(first on line {cur.global_where.line}); start a new "
                                               "launch with `//! kernel:` first"))
                continue
            cur.global_where = vwhere
            cur.global_size = _exprs(value, vwhere, errors, "global") or []
        elif key == "local":
            if cur.local_where is not None:
                errors.append(where.diagnostic(f"second `local:` for kernel {cur.kernel!r} "
                                               f"(first on line {cur.local_where.line})"))
                continue
            cur.local_where = vwhere
            cur.local_size = None if value.lower() in ("auto", "") else _exprs(value, vwhere, errors, "local")
        elif key == "args":
            if cur.args_where is not None:
                errors.append(where.diagnostic(f"second `args:` for kernel {cur.kernel!r} "
                                               f"(first on line {cur.args_where.line})"))
                continue
            cur.args_where = vwhere
            cur.args = _parse_args(value, vwhere, errors)
        elif key == "when":
            if cur.when is not None:
                errors.append(where.diagnostic(f"second `when:` for kernel {cur.kernel!r} "
                                               f"(first on line {cur.when.where.line}); join them with `and`"))
                continue
            cur.when = _expr(value, vwhere, errors)
    if not launches and not errors:
        errors.append(Diagnostic(
            severity=Severity.error, file=filename, line=1, column=1,
            message="no `//! kernel: NAME` directive; state what to launch, e.g.\n"
                    "//! kernel: vector_add\n//! global: round_up(n, 256)\n//! local: 256"))
    for launch in launches:
        if launch.global_where is None:
            errors.append(launch.where.diagnostic(
                f"kernel {launch.kernel!r} has no `//! global: EXPR` directive (its launch size)"))
        elif (launch.local_size is not None and launch.global_size
              and len(launch.local_size) != len(launch.global_size)):
            errors.append(launch.local_where.diagnostic(  # type: ignore[union-attr]
                f"local has {len(launch.local_size)} dimension(s) but global (line "
                f"{launch.global_where.line}) has {len(launch.global_size)}; give both the same number"))
    if errors:
        raise LaunchError(errors)
    return LaunchPlan(filename=filename, launches=launches, scratch=scratch, warnings=warnings)


def checked_plan(source: str, filename: str, signature: Signature, tensormaps: bool = False,
                 symbols: Iterable[str] = ()) -> tuple[LaunchPlan | None, list[Diagnostic]]:
    """Parse the directives and check them against the signature: (plan, warnings), or (None, errors).
    ``tensormaps``: whether the calling backend can pass ``tensormap(...)`` arguments (CUDA on Hopper);
    ``symbols``: names the backend adds to the shape environment when it resolves the plan."""
    try:
        plan = parse_launches(source, filename)
    except LaunchError as e:
        return None, list(e.diagnostics)
    plan.symbols = tuple(symbols)
    diags = plan.check(signature)
    if not tensormaps:
        diags += [a.where.diagnostic("tensormap(...) arguments are CUDA-only (Hopper TMA descriptors built by "
                                     "the cuda backend); pass the array itself here") for a in plan.tensormap_args]
    if any(d.severity == Severity.error for d in diags):
        return None, diags
    return plan, diags
