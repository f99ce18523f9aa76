"""SPIR-V candidates: a SPIR-V module carried as text, with the same ``//!`` launch directives.

A `Candidate` carries text, so a SPIR-V candidate (language ``spirv``) is its ``//!``
directive lines followed by the module's bytes in base64 (line breaks ignored; other
``//`` comment lines allowed)::

    //! kernel: vector_add
    //! global: round_up(n, 256)
    //! local: 256
    AwIjBwAAAQAOAAYAIwAAAAAAAAARAAIABAAAABEAAgAFAAAAEQACAAYAAAARAAIACwAAAAsABQABAAAA...

:func:`encode` makes that text from a ``.spv`` file and the directives of the OpenCL C
source it came from; :func:`compile_opencl` produces SPIR-V from OpenCL C with Debian's
``clang-15`` and ``llvm-spirv-15``. :func:`decode` checks the text and the module's
structure (magic number, word stream, entry points) and reads each kernel's parameter
types, so the opencl backend's argument checks (`check_args`) apply to binaries too;
:func:`load` adds ``spirv-val`` where it is installed.
"""

from __future__ import annotations

import base64
import binascii
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kernelhub.models import Diagnostic, Severity

from kernelhub_opencl.compiler import ArgInfo

LANGUAGE = "spirv"
MAGIC = 0x07230203
#: (clang, llvm-spirv) pairs of one LLVM version, newest first (Debian 12: clang-15 + llvm-spirv-15).
TOOLCHAINS = (("clang-18", "llvm-spirv-18"), ("clang-17", "llvm-spirv-17"), ("clang-15", "llvm-spirv-15"),
              ("clang-14", "llvm-spirv-14"), ("clang", "llvm-spirv"))
INSTALL_TOOLCHAIN = "apt-get install clang-15 llvm-spirv-15"
#: Unoptimised but not `optnone`: llvm-spirv 15 cannot translate the `freeze` instructions that clang's
#: -O1 and above emit (matmul, conv2d), and the device compiler optimises the module when it builds it.
OPT = ("-O0", "-Xclang", "-disable-O0-optnone")

_B64 = re.compile(r"[A-Za-z0-9+/=]*")
_OP_NAME, _OP_ENTRY_POINT = 5, 15
_OP_TYPE_VOID, _OP_TYPE_BOOL, _OP_TYPE_INT, _OP_TYPE_FLOAT, _OP_TYPE_VECTOR = 19, 20, 21, 22, 23
_OP_TYPE_POINTER, _OP_FUNCTION, _OP_FUNCTION_PARAMETER, _OP_FUNCTION_END = 32, 54, 55, 56
_KERNEL_MODEL = 6
#: SPIR-V storage class -> OpenCL address space, for kernel pointer parameters.
_SPACES = {0: "constant", 4: "local", 5: "global", 7: "private", 8: "global"}
_INT = {8: "char", 16: "short", 32: "int", 64: "long"}
_FLOAT = {16: "half", 32: "float", 64: "double"}


class SpirvError(ValueError):
    """The candidate's text is not a readable SPIR-V module; ``diagnostics`` say where."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class Module:
    binary: bytes
    version: str
    #: entry-point kernel name -> its parameters, as `-cl-kernel-arg-info` would describe them
    kernels: dict[str, list[ArgInfo | None]] = field(default_factory=dict)
    payload_line: int = 1
    #: True: spirv-val accepted it; False: not checked (no spirv-val on PATH)
    validated: bool = False


# ---------------------------------------------------------------- text <-> bytes


def encode(binary: bytes, directives: str, width: int = 76) -> str:
    """Candidate text: the ``//!`` lines of ``directives`` (e.g. the OpenCL C source the module was
    compiled from; other lines are dropped) followed by ``binary`` in base64."""
    keep = [line for line in directives.splitlines() if line.lstrip().startswith("//!")]
    b64 = base64.b64encode(binary).decode()
    return "\n".join(keep + ["// SPIR-V module, base64"]
                     + [b64[i:i + width] for i in range(0, len(b64), width)]) + "\n"


def decode(text: str, filename: str = "candidate") -> Module:
    """The module in a SPIR-V candidate's text, structurally checked. Raises SpirvError."""
    binary, first = payload(text, filename)
    return parse(binary, filename, first)


def payload(text: str, filename: str = "candidate") -> tuple[bytes, int]:
    """The base64 payload's bytes and its first line. Raises SpirvError."""
    lines = text.splitlines()
    chunks: list[str] = []
    first = 0
    for no, line in enumerate(lines, start=1):
        s = line.strip()
        m = _B64.match(s)
        if not s or (m.end() != len(s) and s.startswith("//")):
            continue  # a directive or comment (a base64 line may start with // too: it is all base64)
        if m.end() != len(s):
            col = len(line) - len(line.lstrip()) + m.end() + 1
            raise SpirvError([Diagnostic(
                severity=Severity.error, file=filename, line=no, column=col, source_line=line,
                message=f"a SPIR-V candidate is `//!` directive lines, then the module in base64; "
                        f"{s[m.end()]!r} is not a base64 character (is this OpenCL C source? then use the "
                        f"language 'opencl-c')")])
        first = first or no
        chunks.append(s)
    if not chunks:
        raise SpirvError([_at(filename, 1, "no SPIR-V payload: after the `//!` directives the candidate must "
                                           "hold the module's bytes in base64 (kernelhub_opencl.spirv.encode)")])
    try:
        binary = base64.b64decode("".join(chunks), validate=True)
    except binascii.Error as e:
        raise SpirvError([_at(filename, first, f"the base64 payload does not decode ({e}); was it cut short?")])
    return binary, first


def load(text: str, filename: str = "candidate") -> Module:
    """:func:`decode`, then :func:`validate`: what the backends call. Raises SpirvError."""
    module = decode(text, filename)
    diags = validate(module, filename)
    if diags:
        raise SpirvError(diags)
    return module


def validate(module: Module, filename: str = "candidate") -> list[Diagnostic]:
    """``spirv-val`` (Debian's spirv-tools) on the module, when it is on PATH: drivers can crash on
    modules that are well-formed words but invalid SPIR-V (Intel's CPU runtime on `OpTypeFloat 13`).
    Sets ``module.validated``."""
    exe = shutil.which("spirv-val")
    if exe is None:
        return []
    try:
        p = subprocess.run([exe, "-"], input=module.binary, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [_at(filename, module.payload_line, f"spirv-val could not check the module: {e}")]
    module.validated = p.returncode == 0
    if p.returncode == 0:
        return []
    text = (p.stderr or p.stdout).decode(errors="replace").strip()
    return [_at(filename, module.payload_line, f"invalid SPIR-V (spirv-val): {text}")]


def _at(filename: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(severity=Severity.error, file=filename, line=line, message=message)


# ---------------------------------------------------------------- the module


def parse(binary: bytes, filename: str = "candidate", line: int = 1) -> Module:
    """Header, instruction stream and kernel entry points of a SPIR-V binary. Raises SpirvError."""
    def bad(message: str) -> SpirvError:
        return SpirvError([_at(filename, line, f"not a valid SPIR-V module: {message}")])

    if len(binary) < 20 or len(binary) % 4:
        raise bad(f"{len(binary)} bytes; a module is a stream of 32-bit words with a 5-word header")
    order = "little" if int.from_bytes(binary[:4], "little") == MAGIC else "big"
    if int.from_bytes(binary[:4], order) != MAGIC:
        raise bad(f"magic number 0x{int.from_bytes(binary[:4], 'little'):08x}, expected 0x{MAGIC:08x}")
    words = [int.from_bytes(binary[i:i + 4], order) for i in range(0, len(binary), 4)]
    version = f"{(words[1] >> 16) & 0xFF}.{(words[1] >> 8) & 0xFF}"
    names: dict[int, str] = {}
    types: dict[int, tuple] = {}
    entries: dict[int, str] = {}
    params: dict[int, list[tuple[int, int]]] = {}
    current: int | None = None
    i = 5
    while i < len(words):
        count, op = words[i] >> 16, words[i] & 0xFFFF
        if count == 0 or i + count > len(words):
            raise bad(f"instruction at word {i} (opcode {op}) has word count {count}, "
                      f"{len(words) - i} word(s) remain: the stream is truncated or corrupt")
        ops = words[i + 1:i + count]
        if op == _OP_NAME and ops:
            names[ops[0]] = _string(ops[1:], order)
        elif op == _OP_ENTRY_POINT and len(ops) >= 3 and ops[0] == _KERNEL_MODEL:
            entries[ops[1]] = _string(ops[2:], order)
        elif op in (_OP_TYPE_VOID, _OP_TYPE_BOOL) and ops:
            types[ops[0]] = ("void" if op == _OP_TYPE_VOID else "bool",)
        elif op == _OP_TYPE_INT and len(ops) >= 2:
            types[ops[0]] = (_INT.get(ops[1], f"int{ops[1]}"),)
        elif op == _OP_TYPE_FLOAT and len(ops) >= 2:
            types[ops[0]] = (_FLOAT.get(ops[1], f"float{ops[1]}"),)
        elif op == _OP_TYPE_VECTOR and len(ops) >= 3:
            types[ops[0]] = ("vector", ops[1], ops[2])
        elif op == _OP_TYPE_POINTER and len(ops) >= 3:
            types[ops[0]] = ("pointer", ops[1], ops[2])
        elif op == _OP_FUNCTION and len(ops) >= 2:
            current = ops[1]
            params[current] = []
        elif op == _OP_FUNCTION_PARAMETER and current is not None and len(ops) >= 2:
            params[current].append((ops[0], ops[1]))
        elif op == _OP_FUNCTION_END:
            current = None
        i += count
    if not entries:
        raise bad("it has no kernel entry point (OpEntryPoint Kernel): was it compiled from OpenCL C "
                  "for a spir/spirv target?")
    kernels = {}
    for fid, kname in entries.items():
        kernels[kname] = [_arg_info(types, t, names.get(pid, f"arg{n}"))
                          for n, (t, pid) in enumerate(params.get(fid, []))]
    return Module(binary=binary, version=version, kernels=kernels, payload_line=line)


def _string(ops: list[int], order: str) -> str:
    raw = b"".join(w.to_bytes(4, "little" if order == "little" else "big") for w in ops)
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _type_name(types: dict[int, tuple], tid: int) -> str | None:
    t = types.get(tid)
    if t is None:
        return None
    if t[0] == "vector":
        base = _type_name(types, t[1])
        return f"{base}{t[2]}" if base else None
    if t[0] == "pointer":
        return None
    return t[0]


def _arg_info(types: dict[int, tuple], tid: int, name: str) -> ArgInfo | None:
    t = types.get(tid)
    if t is None:
        return None
    if t[0] == "pointer":
        pointee = _type_name(types, t[2])
        return (pointee + "*", _SPACES.get(t[1], "global"), name) if pointee else None
    base = _type_name(types, tid)
    return (base, "private", name) if base else None


def probe_note(devices: list[str]) -> str:
    """One line for a backend's probe notes: where SPIR-V candidates load, and the tools found."""
    val = "spirv-val checks modules first" if shutil.which("spirv-val") else \
        "no spirv-val on PATH (apt-get install spirv-tools): modules go to the driver unchecked"
    tools = toolchain()
    make = (f"{tools[0]} + {tools[1]} make them from OpenCL C (python -m kernelhub_opencl.spirv K.cl)" if tools
            else f"no clang + llvm-spirv to make them here ({INSTALL_TOOLCHAIN})")
    return (f"spirv: SPIR-V candidates load on device(s) {', '.join(devices) or 'none here'}; {val}; {make}")


# ---------------------------------------------------------------- making SPIR-V


def toolchain() -> tuple[str, str] | None:
    """A (clang, llvm-spirv) pair of one LLVM version on PATH, or None."""
    for cc, tr in TOOLCHAINS:
        if shutil.which(cc) and shutil.which(tr):
            return cc, tr
    return None


def compile_opencl(source: str, options: list[str] | None = None) -> bytes:
    """SPIR-V from OpenCL C 1.2 source: clang to LLVM bitcode for spir64 (see OPT), then the Khronos
    LLVM/SPIR-V translator. Raises RuntimeError with the tool's output on failure."""
    tools = toolchain()
    if tools is None:
        raise RuntimeError(f"no clang + llvm-spirv pair of one LLVM version on PATH; {INSTALL_TOOLCHAIN}")
    cc, tr = tools
    with tempfile.TemporaryDirectory(prefix="kh-spirv-") as tmp:
        src, bc, spv = Path(tmp, "kernel.cl"), Path(tmp, "kernel.bc"), Path(tmp, "kernel.spv")
        src.write_text(source)
        steps = [[cc, "-c", "-x", "cl", "-cl-std=CL1.2", "--target=spir64-unknown-unknown", "-emit-llvm",
                  *OPT, "-Xclang", "-finclude-default-header", *(options or []), "-o", str(bc), str(src)],
                 [tr, str(bc), "-o", str(spv)]]
        for cmd in steps:
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode:
                raise RuntimeError(f"{' '.join(cmd[:1])} failed ({p.returncode}): {p.stderr.strip()}")
        return spv.read_bytes()


def main(argv: list[str] | None = None) -> int:
    """``python -m kernelhub_opencl.spirv KERNEL.cl [OUT.spv.txt]``: a SPIR-V candidate from OpenCL C
    (or ``KERNEL.spv DIRECTIVES.cl``: from an existing module and the directives of a source)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(main.__doc__)
        return 0 if args else 2
    first = Path(args[0])
    if first.suffix == ".spv":
        if len(args) < 2:
            print("give the file whose //! directives go with the module", file=sys.stderr)
            return 2
        text = encode(first.read_bytes(), Path(args[1]).read_text())
        out = args[2] if len(args) > 2 else None
    else:
        source = first.read_text()
        text = encode(compile_opencl(source), source)
        out = args[1] if len(args) > 1 else None
    if out:
        Path(out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
