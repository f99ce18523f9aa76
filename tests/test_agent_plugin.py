"""A plugin module for the agent tests (loaded with KERNELHUB_PLUGINS=test_agent_plugin): small
copies of real tasks, so a stdio MCP server in a subprocess evaluates them in well under a second."""

from __future__ import annotations

from kernelhub.hookspecs import hookimpl

TINY = {"agent_tiny_add": ("vector_add", [{"n": 10000}, {"n": 40000}], [{"n": 1}, {"n": 16411}])}


def tiny_tasks():
    from tasks import all_tasks
    base = {t.name: t for t in all_tasks()}
    return [base[src].model_copy(update={"name": name, "visible_shapes": vis, "heldout_shapes": held, "source": ""})
            for name, (src, vis, held) in TINY.items()]


@hookimpl
def kernelhub_register_tasks(register) -> None:
    for t in tiny_tasks():
        register(t)


def test_tiny_tasks_are_valid() -> None:
    from kernelhub.suite import validate_task
    for t in tiny_tasks():
        assert validate_task(t) == [], t.name
