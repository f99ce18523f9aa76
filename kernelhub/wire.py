"""The harness <-> worker message format: a JSON header, then one frame per array.

Not pickle: a reply comes from a process that ran untrusted code, and
unpickling it could run code in the harness. Arrays travel as raw frames
described by (dtype, shape) in the header, with the dtype checked against a
whitelist and the frame length against the shape; they are received straight
into their final numpy buffers (no intermediate copies).

The header carries an HMAC keyed by a secret the harness hands the worker on
stdin, so a message a candidate writes to a stray file descriptor is rejected.
The array frames are not authenticated: their contents are the candidate's
outputs, which the candidate controls anyway, and the harness checks them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

ALLOWED_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64",
                  "uint8", "uint16", "uint32", "uint64", "bool"}
_TAG = 32


class WireError(Exception):
    """A malformed or unauthenticated message."""


def send(conn: Connection, obj: Any, key: bytes) -> None:
    arrays: list[np.ndarray] = []

    def walk(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            a = np.ascontiguousarray(x)
            if str(a.dtype) not in ALLOWED_DTYPES:
                raise WireError(f"array dtype {a.dtype} cannot be sent")
            arrays.append(a)
            return {"__nd__": len(arrays) - 1, "dtype": str(a.dtype), "shape": list(a.shape)}
        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, dict):
            return {str(k): walk(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [walk(v) for v in x]
        return x

    header = json.dumps({"body": walk(obj), "frames": len(arrays)}).encode()
    conn.send_bytes(hmac.new(key, header, hashlib.sha256).digest() + header)
    for a in arrays:
        if a.nbytes:
            conn.send_bytes(memoryview(a.reshape(-1)).cast("B"))


def recv(conn: Connection, key: bytes) -> Any:
    data = conn.recv_bytes()
    if len(data) < _TAG:
        raise WireError("message too short")
    tag, header = data[:_TAG], data[_TAG:]
    if not hmac.compare_digest(tag, hmac.new(key, header, hashlib.sha256).digest()):
        raise WireError("message failed authentication")
    meta = json.loads(header)
    descs: list[dict[str, Any]] = []

    def collect(x: Any) -> None:
        if isinstance(x, dict):
            if "__nd__" in x:
                descs.append(x)
            else:
                for v in x.values():
                    collect(v)
        elif isinstance(x, list):
            for v in x:
                collect(v)

    collect(meta["body"])
    if len(descs) != meta["frames"]:
        raise WireError("frame count does not match the header")
    arrays: dict[int, np.ndarray] = {}
    for d in sorted(descs, key=lambda d: d["__nd__"]):
        if d["dtype"] not in ALLOWED_DTYPES:
            raise WireError(f"array dtype {d['dtype']!r} not allowed")
        a = np.empty([int(s) for s in d["shape"]], dtype=d["dtype"])
        if a.nbytes:
            n = conn.recv_bytes_into(memoryview(a.reshape(-1)).cast("B"))
            if n != a.nbytes:
                raise WireError(f"array frame of {n} bytes, expected {a.nbytes}")
        arrays[d["__nd__"]] = a

    def build(x: Any) -> Any:
        if isinstance(x, dict):
            if "__nd__" in x:
                return arrays[x["__nd__"]]
            return {k: build(v) for k, v in x.items()}
        if isinstance(x, list):
            return [build(v) for v in x]
        return x

    return build(meta["body"])
