"""Reading numba's optimised LLVM IR: size and vectorisation of the candidate's own code
(for the profile), and calls that would hand the work to someone else (for integrity)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DEFINE = re.compile(r'^define [^@]*@"?([^"(]+)"?\(.*?^}', re.M | re.S)
_DECLARE = re.compile(r'^declare [^@]*@"?([^"(]+)"?\(', re.M)
_CALL = re.compile(r'\b(?:call|invoke)\b[^@]*@"?([\w.$]+)"?\(')
_VECTOR = re.compile(r"<(\d+) x (half|bfloat|float|double|i\d+)>")
_ELEM_BITS = {"half": 16, "bfloat": 16, "float": 32, "double": 64}
_VECTOR_ARITH = frozenset(
    "fadd fsub fmul fdiv frem fneg add sub mul sdiv udiv srem urem shl lshr ashr and or xor "
    "fcmp icmp select fptrunc fpext sitofp uitofp fptosi fptoui".split())

#: Helpers numba calls for np.dot / @ / np.linalg (numba/_helperlib.c), and plain BLAS/LAPACK names.
BLAS_SYMBOL = re.compile(
    r"^(?:numba_x{1,3}[a-z]+|numba_ez_\w+|cblas_\w+|LAPACKE_\w+|[sdcz](?:gemm|gemv|dot|axpy|syrk|trsm)_?"
    r"|\w*gemm\w*)$")
#: Calls from compiled code back into the interpreter: what a ``with numba.objmode():`` block lowers to.
PYTHON_CALL = re.compile(r"^PyObject_Call\w*$")


def _is_wrapper(name: str) -> bool:
    """numba's own glue around the kernel (argument unboxing, C ABI, refcounting)."""
    return name.startswith(("_ZN7cpython", "cfunc.", "NRT_", "nrt_"))


def _short(name: str) -> str:
    """A readable name for a mangled numba symbol: ``_ZN1c6kernelB2v1...`` -> ``kernel``."""
    prefix = "__gufunc__." if name.startswith("__gufunc__.") else ""
    body = name[len(prefix):]
    if not body.startswith("_ZN"):
        return name
    parts, i = [], 3
    while i < len(body) and body[i].isdigit():
        j = i
        while j < len(body) and body[j].isdigit():
            j += 1
        n = int(body[i:j])
        parts.append(body[j:j + n])
        i = j + n
    last = parts[-1] if parts else body
    last = last.replace("_3c", "<").replace("_3e", ">")
    return prefix + ("parfor_gufunc" if "__numba_parfor_gufunc" in last else last)


@dataclass
class FunctionStats:
    instructions: int = 0
    vector_instructions: int = 0
    vector_arith: int = 0
    max_fp_vector_bits: int = 0
    max_int_vector_bits: int = 0
    calls: set[str] = field(default_factory=set)


@dataclass
class IRSummary:
    """What the profile and the integrity check need from one compiled overload's IR."""

    functions: dict[str, FunctionStats]
    external: list[str]

    @property
    def instructions(self) -> int:
        return sum(f.instructions for f in self.functions.values())

    @property
    def vector_instructions(self) -> int:
        return sum(f.vector_instructions for f in self.functions.values())

    @property
    def vector_arith(self) -> int:
        return sum(f.vector_arith for f in self.functions.values())

    @property
    def max_vector_bits(self) -> int:
        """Widest floating-point vector arithmetic, else widest integer vector arithmetic (which
        includes address arithmetic, so it says less)."""
        fs = self.functions.values()
        return (max((f.max_fp_vector_bits for f in fs), default=0)
                or max((f.max_int_vector_bits for f in fs), default=0))

    def blas_calls(self) -> list[str]:
        """External (declared, not defined here) BLAS/LAPACK-like symbols; the candidate's own
        functions are defined in the module and mangled (``_ZN...``), so a helper named
        ``my_gemm`` is not mistaken for one."""
        return sorted({c for c in self.external if BLAS_SYMBOL.match(c) and not c.startswith("_ZN")})

    def python_calls(self) -> list[str]:
        """Calls into the interpreter from the kernel's own functions (not numba's wrappers)."""
        return sorted({c for f in self.functions.values() for c in f.calls if PYTHON_CALL.match(c)})


def _bits(elem: str) -> int:
    return _ELEM_BITS.get(elem) or int(elem[1:])


def _stats(body: str) -> FunctionStats:
    st = FunctionStats()
    for line in body.splitlines()[1:]:
        if not line.startswith("  ") or line.lstrip().startswith(";"):
            continue
        st.instructions += 1
        call = _CALL.search(line)
        if call:
            st.calls.add(call.group(1))
        vecs = _VECTOR.findall(line)
        if not vecs:
            continue
        st.vector_instructions += 1
        rhs = line.split(" = ", 1)[1] if " = " in line else line
        opcode = rhs.split()[0] if rhs.split() else ""
        if opcode in _VECTOR_ARITH or (opcode == "call" and ("@llvm.fma" in line or "@llvm.fmuladd" in line)):
            st.vector_arith += 1  # widths of the arithmetic, not of address or mask vectors
            fp = [int(n) * _bits(t) for n, t in vecs if t in _ELEM_BITS]
            if fp:
                st.max_fp_vector_bits = max(st.max_fp_vector_bits, *fp)
            else:
                st.max_int_vector_bits = max(st.max_int_vector_bits, *(int(n) * _bits(t) for n, t in vecs))
    return st


def summarize(ir: str) -> IRSummary:
    """Per-function statistics of the candidate's own functions, and the external symbols."""
    functions: dict[str, FunctionStats] = {}
    for m in _DEFINE.finditer(ir):
        if _is_wrapper(m.group(1)):
            continue
        name = _short(m.group(1))
        key, k = name, 2
        while key in functions:
            key, k = f"{name}#{k}", k + 1
        functions[key] = _stats(m.group(0))
    external = [n for n in _DECLARE.findall(ir) if not n.startswith("llvm.")]
    return IRSummary(functions=functions, external=external)
