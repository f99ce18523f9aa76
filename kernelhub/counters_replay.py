"""One call of a candidate, replayed in a fresh process for ncu (see ``kernelhub.ncu``).

    python -m kernelhub.counters_replay FOLDER    # FOLDER holds call.json and arrays.npz

ncu runs this with ``--profile-from-start off``: only the kernels between cuProfilerStart and
cuProfilerStop are profiled, so the compile's dry run on small inputs is not. A failure is written to
FOLDER/replay_error.txt for the parent to report.
"""

from __future__ import annotations

import ctypes
import json
import sys
import traceback
from pathlib import Path


def _driver(name: str) -> None:
    """cuProfilerStart/Stop of the current CUDA context (the one the backend's prepare made current)."""
    code = getattr(ctypes.CDLL("libcuda.so.1"), name)()
    if code != 0:
        raise RuntimeError(f"{name} returned CUDA error {code}")


def replay(folder: Path) -> None:
    import numpy as np

    from kernelhub.backend import KernelArgs
    from kernelhub.models import Candidate, Signature
    from kernelhub.plugins import registry
    call = json.loads((folder / "call.json").read_text())
    backend = registry().backend(call["backend"])
    signature = Signature.model_validate(call["signature"])
    compiled = backend.compile(Candidate.model_validate(call["candidate"]), signature)
    if not compiled.result.ok:
        raise RuntimeError("the candidate did not compile again: "
                           + "; ".join(d.message for d in compiled.result.diagnostics)[:600])
    with np.load(folder / "arrays.npz") as z:
        arrays = {k: z[k] for k in z.files}
    prepared = backend.prepare(compiled.artifact, KernelArgs(signature, arrays, call["params"]))
    try:
        _driver("cuProfilerStart")
        backend.launch(prepared)
        _driver("cuProfilerStop")
    finally:
        backend.release(prepared)


def main() -> None:
    folder = Path(sys.argv[1])
    try:
        replay(folder)
    except BaseException as e:  # the parent reports it; ncu's exit status alone would not say why
        (folder / "replay_error.txt").write_text(f"{type(e).__name__}: {e}\n{traceback.format_exc()[-1500:]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
