"""The //! launch-directive format (kernelhub.launch): parsing, checking, resolving."""

from __future__ import annotations

import numpy as np
import pytest

from kernelhub.launch import LaunchError, parse_launches, shape_env
from kernelhub.models import Severity, Signature
from tasks.elementwise import TASKS

SIG = TASKS[0].signature  # vector_add: x, y -> out, param n (int64)

VECTOR_ADD = """\
//! kernel: vector_add
//! global: round_up(n, 256)
//! local: 256

__kernel void vector_add(__global const float *x, __global const float *y,
                         __global float *out, const long n) {
    long i = get_global_id(0);
    if (i < n) out[i] = x[i] + y[i];
}
"""


def errors_of(source: str) -> list:
    with pytest.raises(LaunchError) as info:
        parse_launches(source, "k.cl")
    return info.value.diagnostics


def test_starter_parses_and_resolves_with_default_args():
    plan = parse_launches(VECTOR_ADD, "va.cl")
    assert plan.kernels == ["vector_add"]
    assert plan.check(SIG) == []
    (launch,) = plan.resolve(SIG, {"n": 1000})
    assert launch.global_size == (1024,) and launch.local_size == (256,)
    assert [a.kind for a in launch.args] == ["input", "input", "output", "param"]
    n = launch.args[3].value
    assert isinstance(n, np.int64) and n == 1000
    assert launch.where.line == 1 and launch.local_where.line == 3


def test_local_auto_and_multi_dim_and_args_with_local_memory():
    src = ("//! scratch: part float32 cdiv(n, 64)\n"
           "//! kernel: a\n//! global: round_up(n, 64), 2\n//! local: 64, 1\n"
           "//! args: x, part, local(float4, 64 // 4), n\n"
           "//! kernel: b\n//! global: 1\n//! local: auto\n//! args: part, out, n\n")
    plan = parse_launches(src, "k.cl")
    assert plan.check(SIG) == []
    a, b = plan.resolve(SIG, {"n": 100})
    assert a.global_size == (128, 2) and a.local_size == (64, 1)
    assert [x.kind for x in a.args] == ["input", "scratch", "local", "param"]
    assert a.args[2].nbytes == 16 * 16
    assert b.local_size is None and b.kernel == "b"
    assert plan.scratch_sizes({"n": 100}) == {"part": ("float32", 2, 8)}


def test_min_with_commas_inside_parentheses():
    plan = parse_launches("//! kernel: k\n//! global: min(n, 1024), max(1, n // 2)\n", "k.cl")
    (launch,) = plan.resolve(SIG, {"n": 10})
    assert launch.global_size == (10, 5)


def test_bad_expression_points_at_line_and_column():
    (d,) = errors_of("// header\n//! kernel: k\n//! global: n +* 2\n")
    assert (d.file, d.line, d.column) == ("k.cl", 3, 16)
    assert "n +* 2" in d.message and d.source_line == "//! global: n +* 2"


def test_unknown_function_and_unknown_directive():
    (d,) = errors_of("//! kernel: k\n//! global: foo(n)\n")
    assert d.line == 2 and "foo" in d.message
    (d,) = errors_of("//! kernal: k\n//! kernel: k\n//! global: n\n")
    assert d.line == 1 and "did you mean 'kernel'" in d.message


def test_no_kernel_directive_is_an_error():
    (d,) = errors_of("__kernel void k(void) {}\n")
    assert d.severity == Severity.error and "kernel:" in d.message


def test_directive_before_kernel_and_missing_global():
    diags = errors_of("//! global: n\n//! kernel: k\n//! local: 64\n")
    assert [d.line for d in diags] == [1, 2]


def test_dims_mismatch_between_global_and_local():
    (d,) = errors_of("//! kernel: k\n//! global: n, 4\n//! local: 64\n")
    assert d.line == 3 and "dimension" in d.message


def test_unknown_arg_and_unknown_symbol_are_check_errors():
    plan = parse_launches("//! kernel: k\n//! global: m\n//! args: x, y, outt, n\n", "k.cl")
    diags = plan.check(SIG)
    assert sorted((d.line, d.column) for d in diags) == [(2, 13), (3, 17)]
    with pytest.raises(LaunchError):
        plan.resolve(SIG, {"n": 4})


def test_local_not_dividing_global_is_an_error_on_the_local_line():
    plan = parse_launches("//! kernel: k\n//! global: n\n//! local: 256\n", "k.cl")
    with pytest.raises(LaunchError) as info:
        plan.resolve(SIG, {"n": 1000})
    (d,) = info.value.diagnostics
    assert d.line == 3 and "round_up" in d.message


def test_non_integer_and_zero_sizes_are_errors():
    plan = parse_launches("//! kernel: k\n//! global: n / 3\n", "k.cl")
    with pytest.raises(LaunchError, match="not an integer"):
        plan.resolve(SIG, {"n": 10})
    plan = parse_launches("//! kernel: k\n//! global: n - 10\n", "k.cl")
    with pytest.raises(LaunchError, match="positive"):
        plan.resolve(SIG, {"n": 10})


def test_scratch_errors_and_unused_warning():
    (d,) = errors_of("//! scratch: tmp floaty n\n//! kernel: k\n//! global: n\n")
    assert d.line == 1 and d.column == 18 and "floaty" in d.message
    plan = parse_launches("//! scratch: tmp float32 n\n//! kernel: k\n//! global: n\n", "k.cl")
    (w,) = plan.check(SIG)
    assert w.severity == Severity.warning and w.line == 1
    plan = parse_launches("//! scratch: out float32 n\n//! kernel: k\n//! global: n\n//! args: out\n", "k.cl")
    assert any(d.severity == Severity.error and "signature" in d.message for d in plan.check(SIG))


def test_shape_env_binds_dims_from_arrays():
    sig = Signature.model_validate({
        "inputs": [{"name": "a", "dtype": "float32", "dims": ["M", "K"]}],
        "outputs": [{"name": "c", "dtype": "float32", "dims": ["M"]}],
        "params": [{"name": "alpha", "dtype": "float32", "value": 2.0}]})
    env = shape_env(sig, {"a": np.zeros((3, 5)), "c": np.zeros(3)}, {})
    assert env == {"M": 3, "K": 5, "alpha": 2.0}
