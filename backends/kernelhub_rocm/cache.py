"""A persistent compile cache shared by processes: one directory per key under
``$KERNELHUB_CACHE/rocm`` (default ``~/.cache/kernelhub/rocm``), holding ``result.json`` and any files
the entry needs (a code object, its assembly). Keys are the backends' ``compile_key`` (which hashes
backend, toolchain version, candidate source and options, and signature), so a stale entry cannot
be hit after a toolchain change.

Writes are atomic (a temporary directory renamed into place), so concurrent evaluations never read
half an entry; the first writer wins. ``KERNELHUB_NO_CACHE=1`` turns the cache off."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

ENV_ROOT = "KERNELHUB_CACHE"
ENV_OFF = "KERNELHUB_NO_CACHE"


def root() -> Path:
    return Path(os.environ.get(ENV_ROOT) or Path.home() / ".cache" / "kernelhub") / "rocm"


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "").strip() not in ("1", "true", "yes")


def lookup(key: str) -> tuple[dict[str, Any], Path] | None:
    """The stored JSON and the entry's directory, or None (missing, disabled or unreadable)."""
    if not enabled():
        return None
    d = root() / key
    try:
        return json.loads((d / "result.json").read_text()), d
    except (OSError, ValueError):
        return None


def store(key: str, data: dict[str, Any], files: dict[str, str] | None = None) -> Path | None:
    """Store ``data`` and copies of ``files`` (name in the entry -> path now) under ``key``.
    Returns the entry's directory, or None when the cache is off or not writable (never raises)."""
    if not enabled():
        return None
    final = root() / key
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{key}-"))
        for name, path in (files or {}).items():
            shutil.copyfile(path, tmp / name)
        (tmp / "result.json").write_text(json.dumps(data))
        try:
            os.rename(tmp, final)
        except OSError:  # another process stored it first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        return final
    except OSError:
        return None
