"""Pydantic models for everything that crosses a boundary (process, JSON, agent).

Their JSON schemas are public API: agents use them for function calling, and
`kernelhub schema` prints them. Keep every field JSON-serialisable so that an
`Evaluation` survives `model_dump_json()` -> `model_validate_json()` unchanged.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DType = Literal["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint32", "bool"]
FLOAT_DTYPES = ("float16", "float32", "float64")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# ---------------------------------------------------------------- task contract


class TensorSpec(_Model):
    """One named array of a kernel's signature; dims are symbols bound by a shape."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    dtype: DType
    dims: list[str | int] = Field(description="symbolic or fixed extents, e.g. ['M', 'K']")
    description: str = ""


class Param(_Model):
    """A scalar argument: a shape symbol (bound per shape) or a task constant."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    dtype: Literal["int32", "int64", "float32", "float64"] = "int64"
    value: float | int | None = Field(default=None, description="fixed value; None = taken from the shape")
    description: str = ""


class Signature(_Model):
    """Named inputs, outputs and scalar params. Kernel ABI order: inputs, outputs, params."""

    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    params: list[Param] = []
    mutable_inputs: list[str] = Field(default=[], description="inputs a kernel may legitimately modify")

    @model_validator(mode="after")
    def _names_unique(self) -> "Signature":
        names = [t.name for t in self.inputs + self.outputs] + [p.name for p in self.params]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"signature names must be unique; repeated: {dupes}")
        if not self.outputs:
            raise ValueError("a signature needs at least one output")
        unknown = set(self.mutable_inputs) - {t.name for t in self.inputs}
        if unknown:
            raise ValueError(f"mutable_inputs names no input: {sorted(unknown)}")
        return self

    def symbols(self) -> set[str]:
        """Shape symbols a shape must bind (dims and free params)."""
        syms = {d for t in self.inputs + self.outputs for d in t.dims if isinstance(d, str)}
        syms |= {p.name for p in self.params if p.value is None}
        return syms


class Tolerance(_Model):
    """|out - ref| <= max(atol * max|ref| + rtol * |ref|, floor), elementwise.

    `atol` is relative to the largest magnitude of the expected output, so an
    all-zeros answer can never pass (it misses the largest element by 100%).
    """

    atol: float = Field(ge=0, lt=1)
    rtol: float = Field(ge=0, lt=1)
    floor: float = Field(default=0.0, ge=0, description=(
        "absolute error always accepted: for outputs whose tiny values carry no meaning at the task's "
        "input scale (a one-element output has max|ref| = |ref|, so atol alone cannot absorb rounding)"))


class Shape(_Model):
    """A binding of shape symbols, with a label for reports (`visible[0]`, `heldout[2]`)."""

    label: str
    values: dict[str, int]

    @property
    def described(self) -> str:
        """``visible[0] (M=2048 N=1024)``: the label with its values, for reports."""
        return f"{self.label} (" + " ".join(f"{k}={v}" for k, v in self.values.items()) + ")"


class Task(_Model):
    """A language-neutral kernel contract. Reference and generator are import paths
    ("module:function") so a task is plain data that any process can load."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: str
    description: str
    signature: Signature
    visible_shapes: list[dict[str, int]] = Field(min_length=1)
    heldout_shapes: list[dict[str, int]] = Field(default=[], description="drawn by the harness, never shown")
    tolerances: dict[str, Tolerance] = Field(description="per output dtype")
    flops: str = Field(description="arithmetic expression in shape symbols")
    bytes: str = Field(description="minimum DRAM traffic, expression in shape symbols")
    reference: str = Field(description="'module:function' NumPy reference")
    generator: str | None = Field(default=None, description="'module:function'; default: standard normal")
    framework_references: dict[str, str] = Field(
        default={}, description="framework -> 'module:function' (e.g. torch eager), the baseline a GPU "
        "backend times on its device; called like the NumPy reference, with that framework's tensors. "
        "'numpy' replaces the reference as the host baseline where the reference is no fair one")
    reference_precision: Literal["float64", "native"] = "float64"
    seeds_per_shape: int = Field(default=2, ge=1)
    tags: list[str] = []
    source: str = Field(default="", description="the plugin that registered the task")

    @field_validator("framework_references")
    @classmethod
    def _import_paths(cls, v: dict[str, str]) -> dict[str, str]:
        for path in v.values():
            cls._import_path(path)
        return v

    @field_validator("reference", "generator")
    @classmethod
    def _import_path(cls, v: str | None) -> str | None:
        if v is not None and (":" not in v or v.startswith(":") or v.endswith(":")):
            raise ValueError(f"expected 'module:function', got {v!r}")
        return v

    @model_validator(mode="after")
    def _shapes_bind_symbols(self) -> "Task":
        need = self.signature.symbols()
        for kind, shapes in (("visible_shapes", self.visible_shapes), ("heldout_shapes", self.heldout_shapes)):
            for i, s in enumerate(shapes):
                missing = need - set(s)
                if missing:
                    raise ValueError(f"{kind}[{i}] of task {self.name!r} does not bind {sorted(missing)}")
                bad = {k: v for k, v in s.items() if not isinstance(v, int) or v < 1}
                if bad:
                    raise ValueError(f"{kind}[{i}] of task {self.name!r}: extents must be positive ints, got {bad}")
        for out in self.signature.outputs:
            if out.dtype in FLOAT_DTYPES and out.dtype not in self.tolerances:
                raise ValueError(f"task {self.name!r} has no tolerance for output dtype {out.dtype}")
        return self

    def shapes(self, include_heldout: bool = True) -> list[Shape]:
        out = [Shape(label=f"visible[{i}]", values=s) for i, s in enumerate(self.visible_shapes)]
        if include_heldout:
            out += [Shape(label=f"heldout[{i}]", values=s) for i, s in enumerate(self.heldout_shapes)]
        return out

    def public(self) -> dict[str, Any]:
        """What an agent may see: everything except the held-out shapes."""
        return self.model_dump(exclude={"heldout_shapes"})


# ---------------------------------------------------------------- candidate & compile


class Candidate(_Model):
    """A kernel submitted for evaluation."""

    backend: str
    language: str | None = Field(default=None, description="None: the backend's default language")
    source: str
    filename: str = Field(default="candidate", description="shown in diagnostics")
    entry: str | None = Field(default=None, description="kernel or host function name; None: backend default")
    options: dict[str, Any] = {}


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    note = "note"


class Diagnostic(_Model):
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    source_line: str | None = Field(default=None, description="the candidate's line, for context")


class Profile(_Model):
    """Open per-platform detail. `headline` holds the few numbers feedback shows first."""

    platform: str = ""
    headline: dict[str, float | int | str] = {}
    detail: dict[str, Any] = {}
    static: bool = Field(default=True, description="True: from the compiler, not a measurement")

    @classmethod
    def unavailable(cls, reason: str, platform: str = "counters") -> "Profile":
        """A measurement that could not be taken, and why (``detail["unavailable"]``)."""
        return cls(platform=platform, static=False, detail={"unavailable": reason})


class CompileResult(_Model):
    ok: bool
    diagnostics: list[Diagnostic] = []
    seconds: float = 0.0
    cached: bool = False
    artifact_key: str | None = None
    compile_only: bool = Field(default=False, description="compiled for a target that cannot run here")
    profile: Profile | None = None
    log: str = ""


# ---------------------------------------------------------------- run, check, time


class Check(_Model):
    """Numerical comparison of one output against the reference."""

    output: str
    passed: bool
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    mismatches: int = 0
    total: int = 0
    first_mismatches: list[dict[str, Any]] = Field(default=[], description="index, got, expected")
    worst_mismatches: list[dict[str, Any]] = []
    nan_count: int = 0
    inf_count: int = 0
    unexpected_nonfinite: int = Field(default=0, description="NaN/Inf where the reference is finite")
    never_written: int = Field(default=0, description="elements still holding the poison after the run")
    tolerance: Tolerance | None = None
    scale: float = Field(default=0.0, description="max|ref|: what atol is relative to")
    message: str = ""


class RunResult(_Model):
    """One call of the candidate on one shape and seed, and its checks."""

    shape: Shape
    seed_index: int
    purpose: Literal["check", "heldout", "repeat", "last_timed"] = "check"
    ok: bool
    checks: list[Check] = []
    host_seconds: float | None = None
    inputs_unchanged: bool = True
    error: str | None = None


class Timing(_Model):
    samples: list[float] = Field(description="seconds, one per repetition")
    median: float
    iqr: float
    mean: float
    min: float
    unit: Literal["s"] = "s"
    method: str = Field(description="e.g. host perf_counter, opencl profiling events")
    device_time: bool = Field(description="True: measured on the device clock")
    interpreted: bool = False
    simulated: bool = Field(default=False, description="True: a simulator's modelled time, not a measurement")
    warmup: int = 0
    cache_flush: bool = False
    host_samples: list[float] = Field(default=[], description="wall time of the same repetitions")
    shape: Shape | None = None

    @classmethod
    def from_samples(cls, samples: list[float], **kw: Any) -> "Timing":
        if not samples:
            raise ValueError("a Timing needs at least one sample")
        s = sorted(samples)
        n = len(s)

        def q(p: float) -> float:
            k = (n - 1) * p
            lo, hi = int(k), min(int(k) + 1, n - 1)
            return s[lo] + (s[hi] - s[lo]) * (k - lo)

        return cls(samples=list(samples), median=q(0.5), iqr=q(0.75) - q(0.25), mean=sum(s) / n, min=s[0], **kw)


class Verdict(str, Enum):
    passed = "pass"
    warn = "warn"
    failed = "fail"
    skipped = "skipped"


class IntegrityCheck(_Model):
    name: str
    verdict: Verdict
    detail: str = ""


class Integrity(_Model):
    checks: list[IntegrityCheck] = []

    @property
    def violated(self) -> bool:
        return any(c.verdict == Verdict.failed for c in self.checks)

    def add(self, name: str, verdict: Verdict, detail: str = "") -> None:
        self.checks.append(IntegrityCheck(name=name, verdict=verdict, detail=detail))


class Status(str, Enum):
    correct = "correct"
    incorrect = "incorrect"
    compile_error = "compile_error"
    runtime_error = "runtime_error"
    timeout = "timeout"
    crash = "crash"
    out_of_memory = "out_of_memory"
    integrity_violation = "integrity_violation"
    compile_only = "compile_only"
    unavailable = "unavailable"
    harness_error = "harness_error"


class Roofline(_Model):
    flops: float
    bytes: float
    seconds: float
    achieved_flops_per_s: float
    achieved_bytes_per_s: float
    peak_flops_per_s: float | None = None
    peak_bytes_per_s: float | None = None
    fraction: float | None = Field(default=None, description="achieved / attainable at this intensity")
    bound: Literal["compute", "memory", "unknown"] = "unknown"
    estimate: bool = False


class ShapeTiming(_Model):
    shape: Shape
    candidate: Timing
    reference: Timing | None = None
    speedup: float | None = None
    roofline: Roofline | None = None


class Evaluation(_Model):
    """The one verdict every backend returns, through every entry point."""

    schema_version: int = 1
    task: str
    backend: str
    language: str
    status: Status
    message: str = ""
    compile: CompileResult | None = None
    runs: list[RunResult] = []
    integrity: Integrity = Integrity()
    timings: list[ShapeTiming] = []
    speedup: float | None = Field(default=None, description="geometric mean over timed shapes")
    roofline_fraction: float | None = None
    profile: Profile | None = None
    counters: Profile | None = Field(default=None, description="hardware counters of one call (--counters)")
    reward: float = 0.0
    stderr_tail: str = ""
    candidate_hash: str = ""
    seconds: float = 0.0
    device: str = ""
    environment: dict[str, str] = {}

    @property
    def correct(self) -> bool:
        return self.status == Status.correct


class Availability(_Model):
    """What a backend can do on this machine, and why not where it cannot."""

    compile: bool
    run: bool
    time: bool
    reasons: dict[str, str] = Field(default={}, description="mode -> why it is unavailable")
    notes: list[str] = []

    @property
    def modes(self) -> list[str]:
        return [m for m in ("compile", "run", "time") if getattr(self, m)]


class DeviceInfo(_Model):
    name: str
    kind: Literal["cpu", "gpu", "tpu", "simulator", "other"] = "other"
    peak_flops_per_s: float | None = None
    peak_bytes_per_s: float | None = None
    peaks_measured: bool = Field(default=False, description="True: measured here; False: declared")
    detail: dict[str, Any] = {}


class BackendInfo(_Model):
    """One row of `kernelhub backends`."""

    name: str
    languages: list[str]
    description: str
    plugin: str
    distribution: str | None = None
    availability: Availability
    device: DeviceInfo | None = None
    test_only: bool = False


PUBLIC_MODELS: tuple[type[BaseModel], ...] = (
    Task, Signature, Candidate, Diagnostic, CompileResult, RunResult, Timing, Check,
    Profile, Integrity, Evaluation, Availability, DeviceInfo, BackendInfo,
)
