"""A pytest plugin for kernel libraries: "this kernel passes task T on every backend here".

    @pytest.mark.kernelhub("softmax", "kernels/softmax.cl")
    def test_softmax(): ...

The marked test is parametrised over every backend that takes the candidate's
language (named with ``language=``, or inferred from ``.cl``/``.cu``), or over
``backends=[...]``. Each case evaluates the file through the one pipeline
(``kernelhub.pipeline.Evaluator``, one per session, warm workers shared), skips
with the probe's reason where the backend cannot compile here (or, after compiling,
cannot run here), and fails with the compact feedback text an agent would get.
The test body runs after a pass; ask for the ``kernelhub_result`` fixture to
inspect the ``Evaluation`` (timings with ``--kernelhub-time``).

Registered through the ``pytest11`` entry point; kernelhub itself is imported
only when a marked test is collected, so other test suites pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kernelhub.models import Evaluation
    from kernelhub.pipeline import Evaluator

MARKER = "kernelhub"
PARAM = "kernelhub_backend"
#: Extensions that name one language; anything else needs ``language=`` or ``backends=``.
LANGUAGE_BY_SUFFIX = {".cl": "opencl-c", ".cu": "cuda"}

_spec_key = pytest.StashKey["KernelSpec"]()
_result_key = pytest.StashKey["Evaluation"]()
_evaluator_key = pytest.StashKey["Evaluator"]()


@dataclass
class KernelSpec:
    """What a ``kernelhub`` marker asks for, resolved against the test file."""

    task: str
    candidate: Path
    language: str | None = None
    backends: list[str] | None = None
    entry: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kernelhub", "kernelhub kernel evaluation")
    group.addoption("--kernelhub-backends", default=None, metavar="NAMES",
                    help="comma-separated: evaluate marked kernels on these backends only")
    group.addoption("--kernelhub-time", action="store_true", default=False,
                    help="also time marked kernels (quick policy); default: check correctness only")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(task, candidate, language=None, backends=None, entry=None, options=None): "
        "evaluate the candidate file on task TASK on every available backend (kernelhub)")


def pytest_unconfigure(config: pytest.Config) -> None:
    ev = config.stash.get(_evaluator_key, None)
    if ev is not None:
        ev.close()
        del config.stash[_evaluator_key]


def _spec(marker: pytest.Mark, test_file: Path, where: str) -> KernelSpec:
    args, kw = list(marker.args), dict(marker.kwargs)
    names = ["task", "candidate"]
    for name, value in zip(names, args):
        if name in kw:
            pytest.fail(f"{where}: @pytest.mark.kernelhub got {name!r} twice", pytrace=False)
        kw[name] = value
    unknown = set(kw) - {"task", "candidate", "language", "backends", "entry", "options"}
    if len(args) > 2 or unknown or "task" not in kw or "candidate" not in kw:
        pytest.fail(f"{where}: expected @pytest.mark.kernelhub(task, candidate, language=None, backends=None, "
                    f"entry=None, options=None), got args {args!r} and keywords {sorted(kw)}", pytrace=False)
    path = Path(kw["candidate"])
    path = path if path.is_absolute() else test_file.parent / path
    if not path.is_file():
        pytest.fail(f"{where}: candidate file {str(kw['candidate'])!r} not found (looked at {path}); paths are "
                    "relative to the test file", pytrace=False)
    backends = kw.get("backends")
    if isinstance(backends, str):
        backends = [backends]
    return KernelSpec(task=kw["task"], candidate=path, language=kw.get("language"), backends=backends,
                      entry=kw.get("entry"), options=dict(kw.get("options") or {}))


def _backends_for(spec: KernelSpec, config: pytest.Config, where: str) -> list[str]:
    from kernelhub.errors import UserError
    from kernelhub.plugins import registry

    reg = registry()
    try:
        reg.task(spec.task)
        if spec.backends is not None:
            names = [reg.backend(b).name for b in spec.backends]
        else:
            lang = spec.language or LANGUAGE_BY_SUFFIX.get(spec.candidate.suffix)
            if lang is None:
                pytest.fail(f"{where}: cannot tell the language of {spec.candidate.name}; add language=... (one "
                            f"of {sorted({lg for b in reg.backends.values() for lg in b.languages})}) or "
                            "backends=[...] to the kernelhub marker", pytrace=False)
            names = sorted(n for n, b in reg.backends.items() if lang in b.languages and not b.test_only)
            if not names:
                pytest.fail(f"{where}: no backend takes language {lang!r}", pytrace=False)
    except UserError as e:
        pytest.fail(f"{where}: {e.cause}; {e.fix}", pytrace=False)
    only = config.getoption("kernelhub_backends")
    if only:
        keep = {b.strip() for b in only.split(",") if b.strip()}
        names = [n for n in names if n in keep]
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None:
        return
    where = metafunc.definition.nodeid
    spec = _spec(marker, Path(str(metafunc.definition.path)), where)
    names = _backends_for(spec, metafunc.config, where)
    if PARAM not in metafunc.fixturenames:
        metafunc.fixturenames.append(PARAM)  # the case needs no argument in the test's signature
    metafunc.parametrize(PARAM, names, ids=names)


def _case(item: pytest.Item) -> tuple[KernelSpec, str] | None:
    marker = item.get_closest_marker(MARKER)
    callspec = getattr(item, "callspec", None)
    if marker is None or callspec is None or PARAM not in callspec.params:
        return None
    if _spec_key not in item.stash:
        item.stash[_spec_key] = _spec(marker, Path(str(item.path)), item.nodeid)
    return item.stash[_spec_key], callspec.params[PARAM]


def _evaluator(config: pytest.Config) -> "Evaluator":
    if _evaluator_key not in config.stash:
        from kernelhub.backend import TimingPolicy
        from kernelhub.pipeline import EvalOptions, Evaluator
        timed = bool(config.getoption("kernelhub_time"))
        config.stash[_evaluator_key] = Evaluator(EvalOptions(policy=TimingPolicy.quick(), time=timed))
    return config.stash[_evaluator_key]


def _evaluate(item: pytest.Item) -> "Evaluation":
    if _result_key not in item.stash:
        from kernelhub.models import Candidate
        spec, backend = _case(item)  # type: ignore[misc]
        cand = Candidate(backend=backend, language=spec.language, source=spec.candidate.read_text(),
                         filename=spec.candidate.name, entry=spec.entry, options=spec.options)
        item.stash[_result_key] = _evaluator(item.config).evaluate(spec.task, cand)
    return item.stash[_result_key]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    case = _case(item)
    if case is None:
        return
    from kernelhub.plugins import registry
    avail = registry().backend(case[1]).probe()
    if not avail.compile:
        reason = avail.reasons.get("compile") or "; ".join(f"{m}: {r}" for m, r in avail.reasons.items())
        pytest.skip(f"backend {case[1]} unavailable here: {reason or 'it cannot compile'}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if _case(item) is None:
        return
    from kernelhub.feedback import render_feedback
    from kernelhub.models import Status
    ev = _evaluate(item)
    if ev.status == Status.compile_only:
        pytest.skip(f"backend {ev.backend}: {ev.message}")
    if ev.status != Status.correct:
        pytest.fail(render_feedback(ev), pytrace=False)


@pytest.fixture
def kernelhub_result(request: pytest.FixtureRequest) -> "Evaluation":
    """The Evaluation of this case's candidate on its backend (the kernelhub marker's test only)."""
    if _case(request.node) is None:
        pytest.fail(f"{request.node.nodeid}: kernelhub_result needs @pytest.mark.kernelhub(task, candidate)",
                    pytrace=False)
    return _evaluate(request.node)
