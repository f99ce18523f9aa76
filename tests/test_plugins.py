"""Plugin discovery: built-ins come through the entry-point group; a broken plugin is reported
with its cause while every other plugin still loads."""

from __future__ import annotations

from kernelhub.plugins import build_registry


def test_builtins_come_from_entry_points():
    reg = build_registry()
    by_name = {p.name: p for p in reg.plugins}
    for name in ("numba", "opencl", "null", "tasks", "isa_sims"):
        assert by_name[name].distribution == "kernelhub" and by_name[name].error is None
    assert reg.backend_plugin["numba"] == "numba"


def test_malformed_task_is_reported_not_fatal():
    reg = build_registry(extra_modules=["bad_task_plugin"])
    rec = next(p for p in reg.plugins if p.name == "bad_task_plugin")
    assert rec.error and "broken_task" in rec.error and "'m'" in rec.error
    assert "broken_task" not in reg.tasks and "vector_add" in reg.tasks


def test_missing_plugin_module_is_reported():
    reg = build_registry(extra_modules=["no_such_plugin_module"])
    rec = next(p for p in reg.plugins if p.name == "no_such_plugin_module")
    assert "ModuleNotFoundError" in rec.error
    assert "numba" in reg.backends
