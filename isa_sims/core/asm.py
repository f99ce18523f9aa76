"""The assembler, derived entirely from an :class:`~isa_sims.core.isa.ISA` table.

Syntax (one instruction per line)::

    label:  mnemonic op, op, op     # comment (also //)
            .equ NAME, expression   # assemble-time constant

Registers are ``s0``.., ``v0``..; immediates are integer expressions over literals
(``12``, ``0x40``, ``1_000``), ``.equ`` names and the machine's predefined symbols, with
``+ - * / % << >> ( )`` (``/`` is floor division); addresses are ``[sN]``, ``[sN+expr]``,
``[sN-expr]`` or ``[expr]``. Every error is a :class:`kernelhub.models.Diagnostic` with the
file, line, 1-based column of the offending token and what was expected; all errors of a
program are reported at once.
"""

from __future__ import annotations

import ast
import difflib
import re
import struct
from dataclasses import dataclass, field

import numpy as np

from kernelhub.models import Diagnostic, Severity
from isa_sims.core.isa import ADDR, FIMM, IMM, ISA, KIND_TEXT, LABEL, SREG, TAG, VREG, Instr, Operand

MAX_ERRORS = 25
_LABEL_RE = re.compile(r"^([A-Za-z_.][A-Za-z0-9_.]*)\s*:")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REG_RE = re.compile(r"^([A-Za-z]+)(\d+)$")


@dataclass
class Program:
    code: np.ndarray  # int64 (n, 1 + nfields): opcode, fields
    lines: list[int]  # source line of each row (1-based)
    source: str
    filename: str
    labels: dict[str, int]
    isa_name: str

    def line_of(self, pc: int) -> tuple[int | None, str]:
        if 0 <= pc < len(self.lines):
            n = self.lines[pc]
            return n, self.source.splitlines()[n - 1].strip()
        return None, ""

    def __len__(self) -> int:
        return len(self.lines)


class AsmError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(f"{d.file}:{d.line}:{d.column}: {d.message}" for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class _Tok:
    text: str
    col: int  # 1-based


def f32_bits(x: float) -> int:
    """The float32 bit pattern of x as a sign-extended int32 (how scalar registers hold floats)."""
    return struct.unpack("<i", struct.pack("<f", float(x)))[0]


def _split_operands(s: str, col0: int) -> list[_Tok]:
    out, depth, start = [], 0, 0
    for i, ch in enumerate(s + ","):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth <= 0:
            raw = s[start:i]
            lead = len(raw) - len(raw.lstrip())
            out.append(_Tok(raw.strip(), col0 + start + lead))
            start = i + 1
    return out


class _Eval(ast.NodeVisitor):
    OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.FloorDiv: lambda a, b: a // b, ast.Div: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
           ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b}

    def __init__(self, names: dict[str, int | float], allow_float: bool) -> None:
        self.names, self.allow_float = names, allow_float

    def visit_Expression(self, n):  # noqa: N802
        return self.visit(n.body)

    def visit_Constant(self, n):  # noqa: N802
        if isinstance(n.value, bool) or not isinstance(n.value, (int, float)):
            raise ValueError(f"{n.value!r} is not a number")
        if isinstance(n.value, float) and not self.allow_float:
            raise ValueError(f"{n.value!r} is not an integer")
        return n.value

    def visit_Name(self, n):  # noqa: N802
        if n.id not in self.names:
            close = difflib.get_close_matches(n.id, list(self.names), n=3, cutoff=0.6)
            raise ValueError(f"unknown symbol {n.id!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
        return self.names[n.id]

    def visit_BinOp(self, n):  # noqa: N802
        if type(n.op) not in self.OPS:
            raise ValueError("only + - * / % << >> are allowed")
        a, b = self.visit(n.left), self.visit(n.right)
        if isinstance(n.op, (ast.FloorDiv, ast.Div, ast.Mod)) and b == 0:
            raise ValueError("division by zero")
        if isinstance(n.op, ast.Div) and (isinstance(a, float) or isinstance(b, float)):
            return a / b
        return self.OPS[type(n.op)](a, b)

    def visit_UnaryOp(self, n):  # noqa: N802
        v = self.visit(n.operand)
        if isinstance(n.op, ast.USub):
            return -v
        if isinstance(n.op, ast.UAdd):
            return v
        raise ValueError("unsupported operator")

    def generic_visit(self, n):
        raise ValueError("not a constant expression")


def evaluate(expr: str, names: dict[str, int | float], allow_float: bool = False) -> int | float:
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"cannot parse {expr.strip()!r} as an expression") from None
    return _Eval(names, allow_float).visit(tree)


class Assembler:
    def __init__(self, isa: ISA, symbols: dict[str, int] | None = None, spad_bytes: int | None = None) -> None:
        self.isa = isa
        self.symbols = dict(symbols or {})
        self.spad_bytes = spad_bytes

    # ------------------------------------------------------------------ public

    def assemble(self, source: str, filename: str = "kernel.s") -> Program:
        self.diags: list[Diagnostic] = []
        self.filename, self.lines = filename, source.splitlines()
        names = dict(self.symbols)
        labels: dict[str, tuple[int, int, int]] = {}  # name -> (row, line, col)
        stmts: list[tuple[int, Instr, list[_Tok], _Tok]] = []
        for ln, raw in enumerate(self.lines, 1):
            text = re.split(r"#|//|;", raw, maxsplit=1)[0].rstrip()
            pos = 0
            while True:
                m = _LABEL_RE.match(text[pos:].lstrip())
                if not m:
                    break
                lead = len(text[pos:]) - len(text[pos:].lstrip())
                col = pos + lead + 1
                name = m.group(1)
                if name in labels:
                    self.error(ln, col, f"duplicate label {name!r}: first defined at line {labels[name][1]}", name)
                elif name in names or _REG_RE.match(name) and self._reg_class(name):
                    self.error(ln, col, f"label {name!r} clashes with a symbol or register name", name)
                else:
                    labels[name] = (len(stmts), ln, col)
                pos += lead + m.end()
            rest = text[pos:]
            body = rest.strip()
            if not body:
                continue
            col = pos + (len(rest) - len(rest.lstrip())) + 1
            parts = body.split(None, 1)
            mnem = parts[0]
            ops_text = parts[1] if len(parts) > 1 else ""
            ops_col = col + (body.index(ops_text, len(mnem)) if ops_text else len(body))
            toks = _split_operands(ops_text, ops_col) if ops_text.strip() else []
            if mnem.startswith("."):
                self._directive(ln, col, mnem, toks, names)
                continue
            ins = self.isa.by_mnemonic.get(mnem) or self.isa.by_mnemonic.get(mnem.lower())
            if ins is None:
                close = difflib.get_close_matches(mnem.lower(), list(self.isa.by_mnemonic), n=3, cutoff=0.4)
                self.error(ln, col, f"unknown mnemonic {mnem!r}"
                           + (f"; nearest valid: {', '.join(close)}" if close else
                              "; see the manual's instruction reference"), mnem)
                continue
            stmts.append((ln, ins, toks, _Tok(mnem, col)))

        code = np.zeros((len(stmts), 1 + self.isa.nfields), np.int64)
        rows_lines = []
        for row, (ln, ins, toks, mt) in enumerate(stmts):
            rows_lines.append(ln)
            code[row, 0] = ins.opcode
            if len(toks) != len(ins.operands):
                where = toks[len(ins.operands)] if len(toks) > len(ins.operands) else None
                self.error(ln, where.col if where else mt.col,
                           f"{ins.mnemonic} takes {len(ins.operands)} operand(s), got {len(toks)}; "
                           f"expected: {ins.syntax()}", where.text if where else mt.text)
                continue
            f = 1
            for k, (opd, tok) in enumerate(zip(ins.operands, toks), 1):
                vals = self._operand(ln, ins, k, opd, tok, names, labels)
                if vals is not None:
                    code[row, f:f + len(vals)] = vals
                f += opd.nfields
            if len(self.diags) >= MAX_ERRORS:
                break
        if self.diags:
            raise AsmError(self.diags)
        return Program(code=code, lines=rows_lines, source=source, filename=filename,
                       labels={k: v[0] for k, v in labels.items()}, isa_name=self.isa.name)

    # ------------------------------------------------------------------ pieces

    def error(self, line: int, col: int, message: str, token: str | None = None) -> None:
        src = self.lines[line - 1] if 0 < line <= len(self.lines) else None
        if token is not None and f"'{token}'" not in message and repr(token) not in message:
            message += f" (at {token!r})"
        self.diags.append(Diagnostic(severity=Severity.error, message=message, file=self.filename, line=line,
                                     column=col, source_line=src))

    def _directive(self, ln: int, col: int, name: str, toks: list[_Tok], names: dict) -> None:
        if name != ".equ":
            self.error(ln, col, f"unknown directive {name!r}; the only directive is .equ NAME, expression", name)
            return
        if len(toks) != 2 or not _NAME_RE.match(toks[0].text):
            self.error(ln, col, ".equ takes a name and an expression: .equ NAME, expression", name)
            return
        if toks[0].text in names:
            self.error(ln, toks[0].col, f"symbol {toks[0].text!r} is already defined", toks[0].text)
            return
        try:
            names[toks[0].text] = evaluate(toks[1].text, names)
        except ValueError as e:
            self.error(ln, toks[1].col, f"bad .equ expression: {e}", toks[1].text)

    def _reg_class(self, text: str):
        m = _REG_RE.match(text)
        if not m:
            return None
        for rc in self.isa.reg_classes:
            if rc.prefix == m.group(1):
                return rc
        return None

    def _register(self, ln: int, ins: Instr, k: int, opd: Operand, tok: _Tok) -> int | None:
        want = self.isa.reg_by_kind[opd.kind]
        rc = self._reg_class(tok.text)
        if rc is None:
            self.error(ln, tok.col, f"operand {k} ({opd.name}) of {ins.mnemonic} must be {KIND_TEXT[opd.kind]} "
                       f"({want.names()}), got {tok.text!r}", tok.text)
            return None
        idx = int(_REG_RE.match(tok.text).group(2))
        if rc.kind != opd.kind:
            self.error(ln, tok.col, f"wrong register class: operand {k} ({opd.name}) of {ins.mnemonic} must be "
                       f"{KIND_TEXT[opd.kind]} ({want.names()}), got {KIND_TEXT[rc.kind]} {tok.text!r}", tok.text)
            return None
        if idx >= rc.count:
            self.error(ln, tok.col, f"no register {tok.text!r}: {rc.description} are {rc.names()}", tok.text)
            return None
        return idx

    def _imm(self, ln: int, ins: Instr, k: int, opd: Operand, tok: _Tok, names: dict, text: str | None = None,
             col: int | None = None) -> int | None:
        text = tok.text if text is None else text
        col = tok.col if col is None else col
        if self._reg_class(text.strip()):
            self.error(ln, col, f"operand {k} ({opd.name}) of {ins.mnemonic} must be {KIND_TEXT[opd.kind]}, "
                       f"got register {text.strip()!r}", text.strip())
            return None
        try:
            v = evaluate(text, names)
        except ValueError as e:
            self.error(ln, col, f"operand {k} ({opd.name}) of {ins.mnemonic}: {e}", text.strip())
            return None
        if opd.lo is not None and not (opd.lo <= v <= opd.hi):
            self.error(ln, col, f"immediate out of range: operand {k} ({opd.name}) of {ins.mnemonic} is {v}, "
                       f"allowed {opd.lo}..{opd.hi}", text.strip())
            return None
        return int(v)

    def _operand(self, ln: int, ins: Instr, k: int, opd: Operand, tok: _Tok, names: dict,
                 labels: dict) -> list[int] | None:
        if not tok.text:
            self.error(ln, tok.col, f"operand {k} ({opd.name}) of {ins.mnemonic} is empty; "
                       f"expected {KIND_TEXT[opd.kind]}", "")
            return None
        if opd.kind in self.isa.reg_by_kind:
            r = self._register(ln, ins, k, opd, tok)
            return None if r is None else [r]
        if opd.kind in (IMM, TAG):
            if opd.kind == TAG:
                opd = Operand(opd.name, TAG, lo=0, hi=self.isa.tag_count - 1)
            v = self._imm(ln, ins, k, opd, tok, names)
            return None if v is None else [v]
        if opd.kind == FIMM:
            try:
                v = evaluate(tok.text, names, allow_float=True)
            except ValueError as e:
                self.error(ln, tok.col, f"operand {k} ({opd.name}) of {ins.mnemonic}: {e}", tok.text)
                return None
            return [f32_bits(v)]
        if opd.kind == LABEL:
            if tok.text not in labels:
                close = difflib.get_close_matches(tok.text, list(labels), n=3, cutoff=0.5)
                self.error(ln, tok.col, f"undefined label {tok.text!r}"
                           + (f"; nearest defined: {', '.join(close)}" if close else ""), tok.text)
                return None
            return [labels[tok.text][0]]
        if opd.kind == ADDR:
            t = tok.text
            if not (t.startswith("[") and t.endswith("]")):
                self.error(ln, tok.col, f"operand {k} ({opd.name}) of {ins.mnemonic} must be "
                           f"{KIND_TEXT[ADDR]} like [s3+16] or [s3] or [64], got {t!r}", t)
                return None
            inner = t[1:-1]
            m = re.match(r"^\s*([A-Za-z]+\d+)\s*(?:([+-])(.*))?$", inner)
            if m and self._reg_class(m.group(1)):
                rt = _Tok(m.group(1), tok.col + 1 + inner.index(m.group(1)))
                base = self._register(ln, ins, k, Operand(opd.name, SREG, "r"), rt)
                off = 0
                if m.group(2):
                    ecol = tok.col + 1 + m.start(3)
                    v = self._imm(ln, ins, k, Operand(opd.name, IMM, lo=-(1 << 31), hi=(1 << 31) - 1), tok, names,
                                  m.group(3), ecol)
                    if v is None:
                        return None
                    off = v if m.group(2) == "+" else -v
                return None if base is None else [base, off]
            v = self._imm(ln, ins, k, Operand(opd.name, IMM, lo=-(1 << 31), hi=(1 << 31) - 1), tok, names,
                          inner, tok.col + 1)
            if v is None:
                return None
            if self.spad_bytes is not None and (v < 0 or v + 4 > self.spad_bytes):
                self.error(ln, tok.col + 1, f"scratchpad address {v} is out of bounds: the scratchpad holds "
                           f"{self.spad_bytes} bytes (addresses 0..{self.spad_bytes - 4})", inner.strip())
                return None
            if v % 4:
                self.error(ln, tok.col + 1, f"misaligned scratchpad address {v}: must be a multiple of 4",
                           inner.strip())
                return None
            return [-1, v]
        raise AssertionError(opd.kind)
