"""Task-suite plugin: registers the tasks of every import folder in KERNELHUB_IMPORTS.

Enable with the entry point ``imported = "kernelhub.importers.plugin"`` (group
``kernelhub``) or ``KERNELHUB_PLUGINS=kernelhub.importers.plugin``. With no folders
set it registers nothing and costs nothing (torch is not imported here).
"""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl
from kernelhub.models import Task


@hookimpl
def kernelhub_register_tasks(register) -> None:
    from kernelhub.importers import runtime
    for _name, (_folder, meta) in sorted(runtime.problems().items()):
        register(Task.model_validate(meta["task"]))
