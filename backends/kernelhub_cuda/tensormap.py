"""Hopper TMA descriptors (``CUtensorMap``) for ``tensormap(ARRAY, BOX..., swizzle=S)`` launch
arguments, and the launch that passes them by value.

A tensor map describes a global array (address, extents, strides) and the box one
``cp.async.bulk.tensor`` copy moves; only the driver can encode one, so the backend builds it on the
host for each call (``cuTensorMapEncodeTiled`` through ctypes on libcuda) and the kernel takes it as
``const __grid_constant__ CUtensorMap``. cupy cannot pass a 128-byte struct, so launches that carry
one go through ``cuLaunchKernel`` directly, on cupy's current stream and context.

The constraints are checked here first, so a candidate learns which one it broke (the driver only
says CUDA_ERROR_INVALID_VALUE): 16-byte aligned base address and row strides, box extents of 1 to
256, an innermost box row of a multiple of 16 bytes, and with a swizzle no wider than its span.
Out-of-range box elements read as zeros.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any, Sequence

import numpy as np

#: CUtensorMapDataType values (cuda.h) per NumPy dtype name
DATA_TYPES = {"uint8": 0, "uint16": 1, "uint32": 2, "int32": 3, "uint64": 4, "int64": 5,
              "float16": 6, "float32": 7, "float64": 8}
_SWIZZLE_ENUM = {0: 0, 32: 1, 64: 2, 128: 3}
_INTERLEAVE_NONE, _L2_PROMOTION_256B, _OOB_FILL_ZEROS = 0, 3, 0
TENSORMAP_BYTES = 128

_libcuda: Any = None


def _driver() -> Any:
    global _libcuda
    if _libcuda is None:
        lib = ctypes.CDLL("libcuda.so.1")
        lib.cuTensorMapEncodeTiled.restype = ctypes.c_int
        lib.cuTensorMapEncodeTiled.argtypes = [
            ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64),
            ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(ctypes.c_uint32),
            ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.cuLaunchKernel.restype = ctypes.c_int
        lib.cuLaunchKernel.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
        lib.cuGetErrorString.restype = ctypes.c_int
        lib.cuGetErrorString.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
        _libcuda = lib
    return _libcuda


def _error_text(code: int) -> str:
    msg = ctypes.c_char_p()
    _driver().cuGetErrorString(code, ctypes.byref(msg))
    return f"CUDA error {code}: {msg.value.decode() if msg.value else 'unknown'}"


def problems(address: int, shape: Sequence[int], dtype: str, box: Sequence[int], swizzle: int) -> list[str]:
    """Why this array and box cannot be a TMA descriptor (empty when it can)."""
    out = []
    item = np.dtype(dtype).itemsize
    if dtype not in DATA_TYPES:
        out.append(f"dtype {dtype} has no TMA data type (use one of {sorted(DATA_TYPES)})")
    if address % 16:
        out.append(f"base address {address:#x} is not 16-byte aligned")
    strides = [math.prod(shape[i + 1:]) * item for i in range(len(shape) - 1)]
    bad = [s for s in strides if s % 16]
    if bad:
        out.append(f"row stride {bad[-1]} bytes (shape {list(shape)}, {item}-byte elements) is not a multiple of "
                   "16; TMA needs 16-byte aligned rows")
    if any(not 1 <= b <= 256 for b in box):
        out.append(f"box {list(box)}: every extent must be 1..256")
    inner = box[-1] * item
    if inner % 16:
        out.append(f"innermost box extent {box[-1]} x {item} bytes = {inner} is not a multiple of 16 bytes")
    if swizzle and inner > swizzle:
        out.append(f"innermost box row of {inner} bytes is wider than the {swizzle}-byte swizzle span")
    return out


def encode(address: int, shape: Sequence[int], dtype: str, box: Sequence[int], swizzle: int) -> bytes:
    """The 128-byte CUtensorMap for a C-contiguous array at ``address`` (raises ValueError why not)."""
    why = problems(address, shape, dtype, box, swizzle)
    if why:
        raise ValueError("; ".join(why))
    rank = len(shape)
    item = np.dtype(dtype).itemsize
    dims = (ctypes.c_uint64 * rank)(*reversed([int(d) for d in shape]))         # innermost first
    strides = (ctypes.c_uint64 * max(rank - 1, 1))(*reversed(
        [math.prod(shape[i + 1:]) * item for i in range(rank - 1)]))  # dimension 0's stride is implied
    boxdim = (ctypes.c_uint32 * rank)(*reversed([int(b) for b in box]))
    elem = (ctypes.c_uint32 * rank)(*([1] * rank))
    buf = (ctypes.c_uint8 * (TENSORMAP_BYTES + 64))()
    aligned = (ctypes.addressof(buf) + 63) & ~63                                  # CUtensorMap is alignas(64)
    rc = _driver().cuTensorMapEncodeTiled(
        ctypes.c_void_p(aligned), DATA_TYPES[dtype], rank, ctypes.c_void_p(address), dims, strides, boxdim, elem,
        _INTERLEAVE_NONE, _SWIZZLE_ENUM[swizzle], _L2_PROMOTION_256B, _OOB_FILL_ZEROS)
    if rc:
        raise ValueError(f"cuTensorMapEncodeTiled failed ({_error_text(rc)}) for shape {list(shape)}, box {list(box)}, "
                         f"swizzle {swizzle}")
    return ctypes.string_at(aligned, TENSORMAP_BYTES)


class RawLaunch:
    """One kernel launch through cuLaunchKernel with its parameter block built once (device pointers,
    scalars and tensor maps by value)."""

    def __init__(self, function_ptr: int, grid: tuple[int, ...], block: tuple[int, ...], shared: int,
                 values: Sequence[Any]) -> None:
        self.function_ptr, self.shared = function_ptr, shared
        self.grid = tuple(grid) + (1,) * (3 - len(grid))
        self.block = tuple(block) + (1,) * (3 - len(block))
        self._keep = [_ctype(v) for v in values]
        self._params = (ctypes.c_void_p * max(len(self._keep), 1))(
            *[ctypes.cast(ctypes.pointer(k), ctypes.c_void_p) for k in self._keep])

    def __call__(self, stream_ptr: int) -> None:
        rc = _driver().cuLaunchKernel(ctypes.c_void_p(self.function_ptr), *self.grid, *self.block, self.shared,
                                      ctypes.c_void_p(stream_ptr), self._params, None)
        if rc:
            raise RuntimeError(f"cuLaunchKernel: {_error_text(rc)}")


def _ctype(v: Any) -> Any:
    if isinstance(v, bytes):
        return (ctypes.c_uint8 * len(v)).from_buffer_copy(v)
    if hasattr(v, "data") and hasattr(v.data, "ptr"):  # a cupy array: its device pointer
        return ctypes.c_uint64(v.data.ptr)
    dt = np.asarray(v).dtype
    kinds = {"int64": ctypes.c_int64, "int32": ctypes.c_int32, "uint64": ctypes.c_uint64, "uint32": ctypes.c_uint32,
             "float32": ctypes.c_float, "float64": ctypes.c_double}
    if dt.name not in kinds:
        raise TypeError(f"cannot pass a {dt} scalar to cuLaunchKernel")
    return kinds[dt.name](v.item() if hasattr(v, "item") else v)
