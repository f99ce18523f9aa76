"""Keep numba's on-disk cache of a simulator honest about its ISA table.

Numba keys a cached function on the stamp of the file that defines it (``<machine>/sim.py``), but a
simulator's opcode numbers and decode tables are frozen in from the ISA table, another file. Editing the
table (adding an instruction renumbers the ones after it) without touching ``sim.py`` would otherwise load
machine code that decodes the old opcodes. Each ``sim.py`` calls :func:`guard` before its first
``@njit``: when the table's source changed since the cache was written, the cache is dropped.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def _cache_dir(sim_file: Path) -> Path:
    try:
        from numba.core import config
        if config.CACHE_DIR:
            return Path(config.CACHE_DIR)
    except ImportError:  # pragma: no cover - numba is what the simulators need anyway
        pass
    return sim_file.parent / "__pycache__"


def fingerprint(*sources: str | Path) -> str:
    h = hashlib.sha256()
    for s in sources:
        h.update(Path(s).read_bytes())
    return h.hexdigest()[:16]


def guard(sim_file: str | Path, *table_sources: str | Path) -> None:
    """Drop ``sim_file``'s numba cache when any of ``table_sources`` changed since it was written."""
    sim_file = Path(sim_file)
    current = fingerprint(*table_sources, Path(__file__).with_name("isa.py"))
    cache = _cache_dir(sim_file)
    stamp = cache / f"{sim_file.stem}.isa-fingerprint"
    try:
        if stamp.read_text() == current:
            return
    except OSError:
        pass
    try:
        for f in cache.glob(f"{sim_file.stem}.*.nb[ic]"):
            f.unlink(missing_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(current)
    except OSError:  # a read-only checkout: numba then cannot cache here either
        pass
