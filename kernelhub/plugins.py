"""Plugin discovery: one pluggy manager, fed from the entry-point group ``kernelhub``.

Built-in backends and the task suite are entry points of this very package, so
they load exactly as a third party's would. A plugin that fails to import is
recorded with its error (shown by ``kernelhub backends --all``) instead of
taking the others down.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pluggy

from kernelhub import hookspecs
from kernelhub.errors import UserError

if TYPE_CHECKING:
    from kernelhub.backend import Backend
    from kernelhub.models import Task

ENTRY_POINT_GROUP = "kernelhub"


@dataclass
class PluginRecord:
    name: str
    module: str
    distribution: str | None
    hooks: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Registry:
    manager: pluggy.PluginManager
    plugins: list[PluginRecord] = field(default_factory=list)
    backends: dict[str, "Backend"] = field(default_factory=dict)
    backend_plugin: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, "Task"] = field(default_factory=dict)

    def backend(self, name: str) -> "Backend":
        if name not in self.backends:
            raise UserError(f"unknown backend {name!r}", f"choose one of: {', '.join(sorted(self.backends))} "
                            "(`kernelhub backends` lists them)")
        return self.backends[name]

    def task(self, name: str) -> "Task":
        if name not in self.tasks:
            close = [t for t in sorted(self.tasks) if name in t or t in name][:5]
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise UserError(f"unknown task {name!r}", f"{hint}`kernelhub tasks` lists all {len(self.tasks)}")
        return self.tasks[name]

    def starter(self, task: "Task", backend: str, language: str | None = None) -> str | None:
        lang = language or self.backend(backend).default_language
        return self.manager.hook.kernelhub_starter(task=task, backend=backend, language=lang)


def _entry_points() -> list[md.EntryPoint]:
    eps = list(md.entry_points(group=ENTRY_POINT_GROUP))
    seen: set[tuple[str, str]] = set()
    unique = []
    for ep in eps:  # an editable install can list the same entry point twice
        if (ep.name, ep.value) not in seen:
            seen.add((ep.name, ep.value))
            unique.append(ep)
    return unique


def build_registry(extra_modules: list[str] | None = None) -> Registry:
    """Load every plugin and collect its backends and tasks.

    ``extra_modules`` (or ``KERNELHUB_PLUGINS``, comma-separated) adds plugin modules
    by import path without installing them: handy for tests and local development.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    reg = Registry(manager=pm)
    sources: list[tuple[str, str, str | None]] = []
    for ep in _entry_points():
        dist = ep.dist.name if ep.dist is not None else None
        sources.append((ep.name, ep.value, dist))
    extra = list(extra_modules or []) + [m for m in os.environ.get("KERNELHUB_PLUGINS", "").split(",") if m]
    sources += [(m, m, None) for m in extra]
    for name, module_path, dist in sources:
        rec = PluginRecord(name=name, module=module_path, distribution=dist)
        reg.plugins.append(rec)
        try:
            module = importlib.import_module(module_path.split(":")[0])
            if pm.is_registered(module):
                continue
            pm.register(module, name=name)
            rec.hooks = sorted(h.name for h in pm.get_hookcallers(module) or [])
        except Exception as e:  # a broken plugin must not take the others down
            rec.error = f"{type(e).__name__}: {e}"

    for impl in pm.hook.kernelhub_register_backends.get_hookimpls():
        def add_backend(backend: "Backend", _plugin: str = impl.plugin_name) -> None:
            if not backend.name:
                raise UserError(f"plugin {_plugin!r} registered a backend without a name", "set `name` on the class")
            if backend.name in reg.backends:
                raise UserError(f"backend name {backend.name!r} registered twice "
                                f"(plugins {reg.backend_plugin[backend.name]!r} and {_plugin!r})",
                                "rename one of them")
            reg.backends[backend.name] = backend
            reg.backend_plugin[backend.name] = _plugin
        _call_plugin(reg, impl, lambda i=impl, a=add_backend: i.function(register=a))

    task_plugin: dict[str, str] = {}
    for impl in pm.hook.kernelhub_register_tasks.get_hookimpls():
        def add_task(task: "Task", _plugin: str = impl.plugin_name) -> None:
            if task.name in reg.tasks:
                raise UserError(f"task name {task.name!r} registered twice "
                                f"(plugins {task_plugin[task.name]!r} and {_plugin!r})", "rename one of them")
            if not task.source:
                task = task.model_copy(update={"source": _plugin})
            reg.tasks[task.name] = task
            task_plugin[task.name] = _plugin
        _call_plugin(reg, impl, lambda i=impl, a=add_task: i.function(register=a))
    return reg


def _call_plugin(reg: Registry, impl: pluggy.HookImpl, call) -> None:
    try:
        call()
    except UserError:
        raise
    except Exception as e:
        for rec in reg.plugins:
            if rec.name == impl.plugin_name:
                rec.error = f"{type(e).__name__}: {e}"


_REGISTRY: Registry | None = None


def registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = build_registry()
    return _REGISTRY


def reset_registry() -> None:
    global _REGISTRY
    _REGISTRY = None
