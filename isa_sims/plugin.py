"""kernelhub plugin of the simulated custom-ISA accelerators (entry point ``isa_sims``).

Registers one backend per machine configuration (``vdsp``, ``vdsp-small``, ``vdsp-wide``, ``systolic``,
``systolic-small``, ``systolic-large``, ``mesh``, ``mesh-small``, ``mesh-wide``) and
serves starter kernels from ``isa_sims/<machine>/starters/<task>.s``. Importing stays cheap:
numba loads only when a simulation first runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from kernelhub.hookspecs import hookimpl

HERE = Path(__file__).parent
#: backend name prefix -> (machine package, language)
MACHINES = {"vdsp": ("vdsp", "vdsp-asm"), "systolic": ("systolic", "systolic-asm"), "mesh": ("mesh", "mesh-asm")}


@hookimpl
def kernelhub_register_backends(register: Callable) -> None:
    from isa_sims.vdsp.backend import VdspBackend
    from isa_sims.vdsp.isa import CONFIGS
    for name in CONFIGS:
        register(VdspBackend(name))
    from isa_sims.systolic.backend import SystolicBackend
    from isa_sims.systolic.isa import CONFIGS as SYSTOLIC_CONFIGS
    for name in SYSTOLIC_CONFIGS:
        register(SystolicBackend(name))
    from isa_sims.mesh.backend import MeshBackend
    from isa_sims.mesh.isa import CONFIGS as MESH_CONFIGS
    for name in MESH_CONFIGS:
        register(MeshBackend(name))


@hookimpl
def kernelhub_starter(task, backend: str, language: str) -> str | None:
    machine = backend.split("-")[0]
    if machine not in MACHINES or language != MACHINES[machine][1]:
        return None
    path = HERE / MACHINES[machine][0] / "starters" / f"{task.name}.s"
    return path.read_text() if path.exists() else None
