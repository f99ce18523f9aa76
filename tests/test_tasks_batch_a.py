"""Task definitions of the activation, reduction, normalization and scan categories.

Checks the contracts (references, generators, shapes, counts, tolerances) and that the
starters exist and their launch directives parse; running the starters through the
full pipeline is covered elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tasks
from kernelhub import checking, launch, taskrt

BATCH = {
    "gelu": "activation", "silu": "activation",
    "row_sum": "reduction", "sum": "reduction",
    "softmax": "normalization", "layernorm": "normalization", "rmsnorm": "normalization",
    "prefix_sum": "scan",
}
TASKS = {t.name: t for t in tasks.all_tasks() if t.name in BATCH}


def _size(task, shape):
    return sum(math.prod(taskrt.dims_of(t, shape)) for t in task.signature.inputs)


def _smallest_visible(task):
    return min(task.visible_shapes, key=lambda s: _size(task, s))


CASES = [(name, "visible", _smallest_visible(TASKS[name])) for name in BATCH] + [
    (name, f"heldout[{i}]", s) for name in BATCH for i, s in enumerate(TASKS[name].heldout_shapes)]


def test_all_registered_in_their_categories():
    assert set(TASKS) == set(BATCH)
    for name, category in BATCH.items():
        assert TASKS[name].category == category


@pytest.mark.parametrize("name,label,shape", CASES, ids=[f"{n}-{lab}" for n, lab, _ in CASES])
def test_reference_runs_with_signature_shapes(name, label, shape):
    task = TASKS[name]
    inputs = taskrt.generate_inputs(task, shape, seed=0)
    for t in task.signature.inputs:
        assert inputs[t.name].shape == taskrt.dims_of(t, shape)
        assert inputs[t.name].dtype == np.dtype(t.dtype)
    ref = taskrt.reference_outputs(task, inputs, shape)
    for out_name, (dims, _dtype) in taskrt.output_specs(task, shape).items():
        assert ref[out_name].shape == dims
        assert np.isfinite(ref[out_name]).all()


@pytest.mark.parametrize("name", sorted(BATCH))
def test_counts_positive_at_every_shape(name):
    task = TASKS[name]
    for shape in task.shapes():
        flops, nbytes = taskrt.counts(task, shape.values)
        assert flops > 0 and nbytes > 0, shape.label
        # minimum traffic: at least the float32 inputs and outputs, once
        arrays = task.signature.inputs + task.signature.outputs
        assert nbytes >= sum(4 * math.prod(taskrt.dims_of(t, shape.values)) for t in arrays)


@pytest.mark.parametrize("name", sorted(BATCH))
def test_reference_depends_on_the_input(name):
    task = TASKS[name]
    shape = _smallest_visible(task)
    refs = [taskrt.reference_outputs(task, taskrt.generate_inputs(task, shape, seed), shape) for seed in (0, 1)]
    for out in task.signature.outputs:
        assert not np.array_equal(refs[0][out.name], refs[1][out.name])


@pytest.mark.parametrize("name", sorted(BATCH))
def test_zeros_and_perturbed_outputs_fail_but_reference_passes(name):
    task = TASKS[name]
    shape = _smallest_visible(task)
    ref = taskrt.reference_outputs(task, taskrt.generate_inputs(task, shape, 0), shape)
    for out in task.signature.outputs:
        tol = task.tolerances[out.dtype]
        expected = ref[out.name]
        assert checking.compare(out.name, expected.astype(out.dtype), expected, tol).passed
        zeros = np.zeros(expected.shape, out.dtype)
        assert not checking.compare(out.name, zeros, expected, tol).passed
        off = (expected * 1.01).astype(out.dtype)  # 1% relative error everywhere
        assert not checking.compare(out.name, off, expected, tol).passed


@pytest.mark.parametrize("name", sorted(BATCH))
def test_starters_exist_and_directives_parse(name):
    task = TASKS[name]
    numba_src = tasks.kernelhub_starter(task=task, backend="numba", language="numba")
    assert numba_src and "def kernel(" in numba_src
    assert "np.dot" not in numba_src and "@" not in numba_src.replace("@njit", "")
    cl_src = tasks.kernelhub_starter(task=task, backend="opencl", language="opencl-c")
    assert cl_src
    plan = launch.parse_launches(cl_src, f"{name}.cl")
    assert not plan.check(task.signature)
    for shape in task.shapes():
        shape_env = dict(shape.values) | {p.name: p.value for p in task.signature.params if p.value is not None}
        for resolved in plan.resolve(task.signature, shape_env):
            assert all(g > 0 for g in resolved.global_size)
            for r in resolved.args:
                if r.kind == "param" and r.name in shape.values:
                    assert r.value == shape.values[r.name]
