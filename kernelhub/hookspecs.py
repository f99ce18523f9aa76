"""Hook specifications: the whole plugin contract of kernelhub.

A plugin is a module named in the entry-point group ``kernelhub`` (in its
``pyproject.toml``: ``[project.entry-points.kernelhub] name = "module"``) that
implements one or more of these hooks with ``@kernelhub.hookimpl``. The built-in
backends and the task suite are plugins of exactly this kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:
    from kernelhub.backend import Backend
    from kernelhub.models import Task

PROJECT = "kernelhub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------- registration phase


@hookspec
def kernelhub_register_backends(register: Callable[["Backend"], None]) -> None:
    """Register backends with kernelhub.

    Call semantics: every implementation is called (all results combine).

    :param register: call it once per backend object, e.g. ``register(MyBackend())``.
        A package may register several (one per simulated machine, say).
        Backend names must be unique across all plugins; a clash is an error
        naming both plugins.
    :return: nothing.

    Implemented by: backend plugins. Keep it cheap: do not import the platform's
    framework here; do that inside the backend's methods.
    """


@hookspec
def kernelhub_register_tasks(register: Callable[["Task"], None]) -> None:
    """Register tasks with kernelhub.

    Call semantics: every implementation is called (all results combine).

    :param register: call it once per :class:`kernelhub.models.Task`.
        Task names must be unique; a clash is an error naming both plugins.
    :return: nothing.

    Implemented by: task-suite plugins and importers.
    """


@hookspec(firstresult=True)
def kernelhub_starter(task: "Task", backend: str, language: str) -> str | None:
    """Return the source of a known-good starter candidate for a task on a backend.

    Call semantics: first non-None result wins (``firstresult``).

    :param task: the task.
    :param backend: backend name.
    :param language: candidate language.
    :return: source text, or None when this plugin has no starter for it.

    Implemented by: task-suite plugins (for their own tasks) and backend plugins
    (for tasks they ship starters for).
    """

