"""A task plugin with one malformed task, loaded by tests/test_plugins.py."""

from kernelhub.hookspecs import hookimpl
from kernelhub.models import Task


@hookimpl
def kernelhub_register_tasks(register):
    register(Task(
        name="broken_task", category="test", description="uses a dim no shape binds",
        signature={"inputs": [{"name": "x", "dtype": "float32", "dims": ["n"]}],
                   "outputs": [{"name": "y", "dtype": "float32", "dims": ["m"]}]},
        visible_shapes=[{"n": 4}], tolerances={"float32": {"atol": 1e-5, "rtol": 1e-5}},
        flops="n", bytes="8*n", reference="tasks.elementwise:vector_add"))
