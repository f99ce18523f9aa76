"""Task definitions of batch B: matmul, gemv, conv2d, conv1d, attention,
embedding_gather, scatter_add, histogram.

Checks the contracts only (references, generators, counts, tolerances, launch
directives of the OpenCL starters); starter correctness runs through the full
pipeline elsewhere.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from kernelhub import checking, launch, taskrt
from kernelhub.models import Task

MODULES = {
    "matmul": ["matmul"], "matvec": ["gemv"], "convolution": ["conv2d", "conv1d"],
    "attention": ["attention"], "gather_scatter": ["embedding_gather", "scatter_add"],
    "histogram": ["histogram"],
}
STARTERS = Path(__file__).resolve().parents[1] / "tasks" / "starters"


def _tasks() -> dict[str, Task]:
    import importlib
    out = {}
    for module, names in MODULES.items():
        tasks = importlib.import_module(f"tasks.{module}").TASKS
        assert [t.name for t in tasks] == names
        for t in tasks:
            assert t.category == module
            out[t.name] = t
    return out


TASKS = _tasks()
NAMES = sorted(TASKS)


def _smallest_visible(task: Task) -> dict[str, int]:
    return min(task.visible_shapes, key=lambda s: float(np.prod(list(s.values()))))


@functools.lru_cache(maxsize=None)
def _case(name: str, kind: str, index: int, seed: int):
    task = TASKS[name]
    shape = _smallest_visible(task) if kind == "visible" else task.heldout_shapes[index]
    inputs = taskrt.generate_inputs(task, shape, seed)
    return shape, inputs, taskrt.reference_outputs(task, inputs, shape)


def _cases():
    for name in NAMES:
        yield pytest.param(name, "visible", 0, id=f"{name}-visible")
        for i in range(len(TASKS[name].heldout_shapes)):
            yield pytest.param(name, "heldout", i, id=f"{name}-heldout{i}")


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_counts(name):
    task = TASKS[name]
    assert task.heldout_shapes, "every task needs held-out shapes"
    assert set(task.visible_shapes[0]) >= task.signature.symbols()
    # every shape symbol reaches the kernel as an int64 param
    assert {p.name for p in task.signature.params} == task.signature.symbols()
    assert all(p.dtype == "int64" for p in task.signature.params)
    for shape in task.shapes():
        flops, nbytes = taskrt.counts(task, shape.values)
        assert flops > 0 and nbytes > 0, (shape.label, flops, nbytes)
        # minimum traffic is at least reading the inputs' smallest part and writing the outputs
        out_bytes = sum(np.prod(s) * np.dtype(d).itemsize for s, d in taskrt.output_specs(task, shape.values).values())
        assert nbytes >= out_bytes


@pytest.mark.parametrize("name, kind, index", list(_cases()))
def test_reference_runs_and_zeros_fail(name, kind, index):
    task = TASKS[name]
    shape, inputs, ref = _case(name, kind, index, 0)
    specs = taskrt.output_specs(task, shape)
    for out in task.signature.outputs:
        want_shape, dtype = specs[out.name]
        got = ref[out.name]
        assert got.shape == want_shape
        assert np.all(np.isfinite(got)) if got.dtype.kind == "f" else got.dtype == np.dtype(dtype)
        tol = task.tolerances.get(dtype)
        assert checking.compare(out.name, got.astype(dtype), got, tol).passed  # the fp32-rounded answer passes
        zeros = np.zeros(want_shape, dtype=dtype)
        assert not checking.compare(out.name, zeros, got, tol).passed, f"all-zeros passes at {shape}"


@pytest.mark.parametrize("name", NAMES)
def test_outputs_depend_on_seed(name):
    task = TASKS[name]
    _, _, a = _case(name, "visible", 0, 0)
    _, _, b = _case(name, "visible", 0, 1)
    for out in task.signature.outputs:
        assert not np.array_equal(a[out.name], b[out.name])


def test_generators_respect_ranges():
    for name, hi_sym, arr in (("embedding_gather", "V", "idx"), ("scatter_add", "B", "idx"), ("histogram", "B", "values")):
        task = TASKS[name]
        for kind, i in [("visible", 0)] + [("heldout", i) for i in range(len(task.heldout_shapes))]:
            shape, inputs, _ = _case(name, kind, i, 0)
            x = inputs[arr]
            assert x.dtype == np.int32
            assert x.min() >= 0 and x.max() < shape[hi_sym], (name, shape)
    # the histogram data is skewed: some bins are hot
    shape, _, ref = _case("histogram", "visible", 0, 0)
    counts = ref["counts"]
    assert counts.sum() == shape["N"] and counts.max() > 4 * counts.mean()


def test_conv_references_match_direct_loops():
    task = TASKS["conv2d"]
    shape = task.heldout_shapes[1]
    inputs = taskrt.generate_inputs(task, shape, 3)
    y = taskrt.reference_outputs(task, inputs, shape)["y"]
    x, w = inputs["x"].astype(np.float64), inputs["w"].astype(np.float64)
    n, o, i, j = 2, 6, 56, 34
    assert np.isclose(y[n, o, i, j], np.sum(x[n, :, i:i + 3, j:j + 3] * w[o]))
    for s in task.shapes():
        assert (s.values["OH"], s.values["OW"]) == (s.values["H"] - 2, s.values["W"] - 2)

    task = TASKS["conv1d"]
    shape = {"N": 50, "K": 7}
    inputs = taskrt.generate_inputs(task, shape, 0)
    y = taskrt.reference_outputs(task, inputs, shape)["y"]
    x, w = inputs["x"].astype(np.float64), inputs["w"].astype(np.float64)
    direct = [sum(w[k] * x[i + k - 3] for k in range(7) if 0 <= i + k - 3 < 50) for i in range(50)]
    assert np.allclose(y, direct)
    assert all(s.values["K"] % 2 == 1 for s in task.shapes())


def test_attention_reference_rows_are_convex_combinations():
    task = TASKS["attention"]
    shape = {"S": 5, "D": 3}
    inputs = taskrt.generate_inputs(task, shape, 0)
    ref = taskrt.reference_outputs(task, inputs, shape)["O"]
    q, k, v = (inputs[n].astype(np.float64) for n in "QKV")
    s = q @ k.T / np.sqrt(3)
    p = np.exp(s) / np.exp(s).sum(1, keepdims=True)
    assert np.allclose(ref, p @ v)


@pytest.mark.parametrize("name", NAMES)
def test_starters_exist_and_opencl_directives_resolve(name):
    task = TASKS[name]
    assert (STARTERS / "numba" / f"{name}.py").read_text().count("def kernel(") == 1
    src = (STARTERS / "opencl" / f"{name}.cl").read_text()
    plan = launch.parse_launches(src, f"{name}.cl")
    assert not [d for d in plan.check(task.signature) if d.severity.value == "error"]
    for kernel in plan.kernels:
        assert f"void {kernel}(" in src
    for shape in task.shapes():
        env = dict(shape.values)
        for resolved in plan.resolve(task.signature, env):
            assert all(g > 0 for g in resolved.global_size)
