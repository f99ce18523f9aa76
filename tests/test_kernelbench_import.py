"""KernelBench-format import: the project's own example problems become tasks that
evaluate like native ones; bad files get errors naming the file and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is needed to import KernelBench-format problems")

from kernelhub.backend import TimingPolicy  # noqa: E402
from kernelhub.importers import runtime  # noqa: E402
from kernelhub.importers.kernelbench import import_problems  # noqa: E402
from kernelhub.isolation import Limits  # noqa: E402
from kernelhub.models import Candidate, Status  # noqa: E402
from kernelhub.pipeline import EvalOptions, Evaluator  # noqa: E402
from kernelhub.plugins import build_registry  # noqa: E402
from kernelhub.suite import validate_task  # noqa: E402

EXAMPLES = Path(__file__).parent / "kernelbench_examples"

NUMBA_RELU_ADD = """
import numpy as np
from numba import njit, prange

@njit(parallel=True, cache=False)
def kernel(a, b, out, rows, cols):
    for i in prange(rows):
        for j in range(cols):
            s = a[i, j] + b[i, j]
            out[i, j] = s if s > np.float32(0.0) else np.float32(0.0)
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb")
    report = import_problems([EXAMPLES, EXAMPLES / "bad"], out)
    old = {k: os.environ.get(k) for k in ("KERNELHUB_IMPORTS", "KERNELHUB_PLUGINS")}
    os.environ["KERNELHUB_IMPORTS"] = str(out)
    runtime._PROBLEMS = None
    yield report, build_registry(["kernelhub.importers.plugin"])
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    runtime._PROBLEMS = None


def test_good_files_import_bad_files_named(imported):
    report, reg = imported
    assert sorted(t.name for t in report.tasks) == ["kb_linear_tanh", "kb_relu_add", "kb_scaled_softmax",
                                                      "kb_small_matmul"]
    errs = {Path(k).name: v for k, v in report.errors.items()}
    assert set(errs) == {"no_model.py", "inputs_raise.py", "scalar_input.py"}
    assert "no class `Model`" in errs["no_model.py"] and "found ['Net']" in errs["no_model.py"]
    assert "inputs_raise.py:10: get_inputs() raised NameError" in errs["inputs_raise.py"]
    assert "input 1 of get_inputs() is a int" in errs["scalar_input.py"] and "get_init_inputs()" in errs["scalar_input.py"]
    assert all(n in reg.tasks for n in ("kb_relu_add", "kb_small_matmul"))


def test_signature_shapes_counts(imported):
    _, reg = imported
    mm = reg.task("kb_small_matmul")
    assert [(t.name, t.dims) for t in mm.signature.inputs] == [("A", ["A_d0", "A_d1"]), ("B", ["A_d1", "B_d1"])]
    assert mm.signature.outputs[0].dims == ["A_d0", "B_d1"]
    assert mm.visible_shapes[0] == {"A_d0": 96, "A_d1": 80, "B_d1": 112, "kb_flops": 2 * 96 * 80 * 112}
    assert len(mm.heldout_shapes) == 2 and mm.reference_precision == "float64"
    lin = reg.task("kb_linear_tanh")  # weights are inputs; dims tied to the constructor stay fixed
    assert [(t.name, t.dims) for t in lin.signature.inputs] == [
        ("x", ["x_d0", 40]), ("w_proj_weight", [56, 40]), ("w_proj_bias", [56])]
    relu = reg.task("kb_relu_add")
    assert relu.flops == "0" and "flops_unknown" in relu.tags
    for name in ("kb_small_matmul", "kb_linear_tanh", "kb_scaled_softmax"):
        assert validate_task(reg.task(name)) == [], name


def test_reference_matches_torch(imported):
    _, reg = imported
    import numpy as np
    from kernelhub import taskrt
    t = reg.task("kb_linear_tanh")
    shape = t.heldout_shapes[1]
    arrs = taskrt.generate_inputs(t, shape, 3)
    ref = taskrt.reference_outputs(t, arrs, shape)["out"]
    x, w, b = (torch.from_numpy(arrs[k]).double() for k in ("x", "w_proj_weight", "w_proj_bias"))
    np.testing.assert_allclose(ref, torch.tanh(x @ w.T + b).numpy(), rtol=1e-12)
    assert ref.dtype == np.float64 and ref.shape == (shape["x_d0"], 56)


def test_numba_candidate_on_imported_task(imported):
    _, reg = imported
    if not reg.backend("numba").probe().run:
        pytest.skip(str(reg.backend("numba").probe().reasons) or "numba cannot run here")
    opts = EvalOptions(policy=TimingPolicy.quick(), limits=Limits(compile_timeout_s=120, run_timeout_s=20))
    with Evaluator(opts, reg=reg) as ev:
        good = ev.evaluate("kb_relu_add", Candidate(backend="numba", source=NUMBA_RELU_ADD, filename="k.py"))
        bad = ev.evaluate("kb_relu_add", Candidate(backend="numba", filename="k.py",
                                                   source=NUMBA_RELU_ADD.replace("s > np.float32(0.0)", "s < 0.5")))
    assert good.status == Status.correct, good.message
    assert good.speedup and good.speedup > 0 and good.timings
    assert bad.status == Status.incorrect
