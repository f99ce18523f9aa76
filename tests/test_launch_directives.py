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


# ---------------------------------------------------------------- when: and tensormap(...)

MATMUL_SIG = __import__("tasks.matmul_lowp", fromlist=["TASKS"]).TASKS[0].signature  # A[M,K], B[K,N] -> C

TWO_PATHS = """\
//! kernel: fast
//! when: K % 8 == 0 and N % 8 == 0
//! global: M * 32
//! args: tensormap(A, 128, 64, swizzle=128), tensormap(B, 64, 64, swizzle=128), C, M, N, K
//! kernel: general
//! when: not (K % 8 == 0 and N % 8 == 0)
//! global: M * 32
"""


def test_when_picks_one_launch_per_shape():
    plan = parse_launches(TWO_PATHS, "mm.cu")
    assert plan.check(MATMUL_SIG) == []
    (fast,) = plan.resolve(MATMUL_SIG, {"M": 4, "N": 16, "K": 64})
    assert fast.kernel == "fast"
    assert [a.kind for a in fast.args] == ["tensormap", "tensormap", "output", "param", "param", "param"]
    assert fast.args[0].name == "A" and fast.args[0].value == ((128, 64), 128)
    (general,) = plan.resolve(MATMUL_SIG, {"M": 4, "N": 7, "K": 64})
    assert general.kernel == "general" and [a.kind for a in general.args][:3] == ["input", "input", "output"]


def test_when_that_never_holds_names_the_values():
    src = TWO_PATHS.replace("//! when: not (K % 8 == 0 and N % 8 == 0)", "//! when: K < 0")
    with pytest.raises(LaunchError) as info:
        parse_launches(src, "mm.cu").resolve(MATMUL_SIG, {"M": 4, "N": 7, "K": 64})
    d = info.value.diagnostics[0]
    assert d.line == 2 and "no launch runs" in d.message and "'N': 7" in d.message


def test_when_unknown_name_and_duplicate():
    plan = parse_launches(TWO_PATHS.replace("K % 8 == 0 and N", "Q % 8 == 0 and N", 1), "mm.cu")
    (d,) = [x for x in plan.check(MATMUL_SIG) if x.severity == Severity.error]
    assert d.line == 2 and "Q" in d.message
    diags = errors_of(TWO_PATHS.replace("//! global: M * 32\n", "//! global: M * 32\n//! when: M > 1\n", 1))
    assert "second `when:`" in diags[0].message


@pytest.mark.parametrize("arg, needle", [
    ("tensormap(A, 128, 64, swizzle=100)", "swizzle must be one of"),
    ("tensormap(A)", "expected tensormap(ARRAY, BOX0"),
    ("tensormap(A, 1, 2, 3, 4, 5, 6)", "at most 5 box extents"),
])
def test_tensormap_syntax_errors(arg, needle):
    diags = errors_of(TWO_PATHS.replace("tensormap(A, 128, 64, swizzle=128)", arg))
    assert needle in diags[0].message and diags[0].line == 4


@pytest.mark.parametrize("arg, needle", [
    ("tensormap(A, 128)", "gives 1 box extent(s) but 'A' has 2"),
    ("tensormap(M, 128, 64)", "not an input or output array"),
])
def test_tensormap_checked_against_the_signature(arg, needle):
    plan = parse_launches(TWO_PATHS.replace("tensormap(A, 128, 64, swizzle=128)", arg), "mm.cu")
    errs = [d for d in plan.check(MATMUL_SIG) if d.severity == Severity.error]
    assert errs and needle in errs[0].message and errs[0].line == 4


def test_tensormap_is_cuda_only_and_backend_symbols():
    from kernelhub.launch import checked_plan
    plan, diags = checked_plan(TWO_PATHS, "mm.cu", MATMUL_SIG)
    assert plan is None and "CUDA-only" in diags[0].message and diags[0].line == 4
    src = TWO_PATHS.replace("//! when: K % 8 == 0 and N", "//! when: sm == 90 and K % 8 == 0 and N").replace(
        "//! when: not (K", "//! when: not (sm == 90 and K")
    plan, diags = checked_plan(src, "mm.cu", MATMUL_SIG, tensormaps=True)
    assert plan is None and "'sm'" in diags[0].message  # a backend symbol only where the backend binds it
    plan, diags = checked_plan(src, "mm.cu", MATMUL_SIG, tensormaps=True, symbols=("sm",))
    assert plan is not None and not diags
    (launch,) = plan.resolve(MATMUL_SIG, {"M": 4, "N": 16, "K": 64, "sm": 80})
    assert launch.kernel == "general"


def test_comparisons_and_boolean_operators_evaluate_to_ints():
    from kernelhub import expr
    env = {"K": 24, "N": 7}
    assert expr.evaluate("K % 8 == 0", env) == 1 and expr.evaluate("N % 8 == 0", env) == 0
    assert expr.evaluate("K % 8 == 0 and N > 3", env) == 1 and expr.evaluate("not N or K < 0", env) == 0
    assert expr.evaluate("1 <= N < 8", env) == 1 and expr.evaluate("(K >= 24) * 10", env) == 10
