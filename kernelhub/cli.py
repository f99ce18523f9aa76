"""The ``kernelhub`` command line: backends, tasks, manual, eval, bench, report, schema.

Every command that prints results takes ``--json``. Errors a user can cause
print one line with the cause and one with the fix, and exit with status 2.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Optional

import typer

from kernelhub.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Compile, run, time and check compute kernels identically across hardware.")


def _console():
    from rich.console import Console
    c = Console()
    if not c.is_terminal:  # pipes and CI logs: do not squeeze tables into 80 columns
        c = Console(width=160)
    return c


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=1, default=str) + "\n")


def _registry():
    from kernelhub.plugins import registry
    return registry()


# ---------------------------------------------------------------- backends & tasks


@app.command()
def backends(all_: bool = typer.Option(False, "--all", help="also plugins, their hooks and load errors"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """List backends, the modes each has here (compile/run/time), and why any is missing."""
    from kernelhub.inventory import backend_infos
    reg = _registry()
    infos = backend_infos(reg)
    if as_json:
        out: dict[str, Any] = {"backends": [i.model_dump(mode="json") for i in infos]}
        if all_:
            out["plugins"] = [vars(p) for p in reg.plugins]
        _emit_json(out if all_ else out["backends"])
        return
    from rich.table import Table
    t = Table(title="kernelhub backends")
    for col in ("backend", "languages", "compile", "run", "time", "device", "why not / notes", "plugin"):
        t.add_column(col, overflow="fold")
    for i in infos:
        a = i.availability
        yes = lambda m: "[green]yes[/]" if getattr(a, m) else "[red]no[/]"  # noqa: E731
        why = "; ".join(f"{m}: {r}" for m, r in a.reasons.items()) or ("; ".join(a.notes) if all_ else "")
        t.add_row(i.name + (" (test)" if i.test_only else ""), ", ".join(i.languages), yes("compile"), yes("run"),
                  yes("time"), i.device.name if i.device else "", why, f"{i.plugin} ({i.distribution or 'local'})")
    c = _console()
    c.print(t)
    if all_:
        for p in reg.plugins:
            c.print(f"plugin [bold]{p.name}[/] = {p.module} ({p.distribution or 'not installed'}): "
                    + (f"[red]failed to load: {p.error}[/]" if p.error else ", ".join(p.hooks)))


@app.command()
def tasks(as_json: bool = typer.Option(False, "--json"),
          category: Optional[str] = typer.Option(None, help="only this category"),
          check: bool = typer.Option(False, help="validate every task (references run, outputs discriminate)")) -> None:
    """List the tasks of every task plugin."""
    reg = _registry()
    items = [t for t in reg.tasks.values() if category is None or t.category == category]
    if check:
        from kernelhub.suite import validate_task
        problems = {t.name: validate_task(t) for t in items}
        if as_json:
            _emit_json(problems)
        else:
            for name, p in problems.items():
                _console().print(f"{name}: " + ("[green]ok[/]" if not p else "[red]" + "; ".join(p) + "[/]"))
        if any(problems.values()):
            raise typer.Exit(1)
        return
    if as_json:
        _emit_json([t.public() for t in items])
        return
    from rich.table import Table
    tab = Table(title=f"{len(items)} tasks")
    for col in ("task", "category", "signature", "visible shapes", "description"):
        tab.add_column(col, overflow="fold")
    for t in sorted(items, key=lambda t: (t.category, t.name)):
        sig = ", ".join(f"{x.name}[{','.join(map(str, x.dims))}]" for x in t.signature.inputs) + " -> " + \
            ", ".join(f"{x.name}[{','.join(map(str, x.dims))}]" for x in t.signature.outputs)
        tab.add_row(t.name, t.category, sig, "; ".join(" ".join(f"{k}={v}" for k, v in s.items())
                                                       for s in t.visible_shapes), t.description)
    _console().print(tab)


@app.command()
def show(task: str, backend: Optional[str] = typer.Option(None, help="also print this backend's starter"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one task as an agent sees it (held-out shapes hidden), with a starter on request."""
    reg = _registry()
    t = reg.task(task)
    out = t.public()
    if backend:
        out["starter"] = reg.starter(t, backend)
    if as_json:
        _emit_json(out)
        return
    c = _console()
    c.print_json(json.dumps({k: v for k, v in out.items() if k != "starter"}))
    if backend:
        c.print(f"\n# starter for {backend}:\n" + (out["starter"] or "(none)"), markup=False, highlight=False)


@app.command()
def manual(backend: str) -> None:
    """Print what an agent must know to write a kernel for a backend."""
    sys.stdout.write(_registry().backend(backend).manual() + "\n")


# ---------------------------------------------------------------- evaluate


def _options(quick: bool, heldout: bool = True, timing: bool = True, counters: bool = False):
    from kernelhub.backend import TimingPolicy
    from kernelhub.pipeline import EvalOptions
    return EvalOptions(policy=TimingPolicy.quick() if quick else TimingPolicy(), heldout=heldout, time=timing,
                       counters=counters)


@app.command("eval")
def eval_(file: Path = typer.Argument(..., help="the candidate source file"),
          task: str = typer.Option(..., "--task", "-t"), backend: str = typer.Option(..., "--backend", "-b"),
          language: Optional[str] = typer.Option(None, help="default: the backend's first language"),
          entry: Optional[str] = typer.Option(None, help="entry point name (backend default otherwise)"),
          option: list[str] = typer.Option([], "--option", "-o", help="backend option KEY=VALUE (repeatable)"),
          device: Optional[str] = typer.Option(None, "--device", "-d", help="device index or name substring, for "
                                               "backends with several (opencl, sycl; `kernelhub backends` lists "
                                               "them): the candidate option `device`"),
          quick: bool = typer.Option(False, help="short timing (for iteration, not for reporting)"),
          no_time: bool = typer.Option(False, "--no-time", help="check only"),
          counters: bool = typer.Option(False, "--counters", help="also hardware counters of one call at the "
                                        "largest visible shape (ncu on NVIDIA GPUs; slow)"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Evaluate one candidate on one task and backend: compile, check, integrity, time."""
    from kernelhub.models import Candidate
    from kernelhub.pipeline import Evaluator

    if not file.is_file():
        raise UserError(f"candidate file {str(file)!r} does not exist", "give the path of your kernel source")
    opts = {}
    for o in option:
        if "=" not in o:
            raise UserError(f"--option {o!r} is not KEY=VALUE", "write it like --option device=0")
        k, v = o.split("=", 1)
        opts[k] = _parse_value(v)
    if device is not None:
        opts["device"] = device
    reg = _registry()
    reg.task(task)
    reg.backend(backend)
    source, language = _candidate_text(file, language)
    cand = Candidate(backend=backend, language=language, source=source, filename=file.name,
                     entry=entry, options=opts)
    with Evaluator(_options(quick, timing=not no_time, counters=counters)) as ev:
        result = ev.evaluate(task, cand)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=1) + "\n")
    else:
        from kernelhub.feedback import render_feedback
        sys.stdout.write(render_feedback(result) + "\n")
    raise typer.Exit(0 if result.status.value in ("correct", "compile_only") else 1)


def _candidate_text(file: Path, language: Optional[str]) -> tuple[str, Optional[str]]:
    """The candidate's text. A SPIR-V binary (``.spv``) travels as its ``//!`` launch directives, read
    from the OpenCL C file beside it (same stem, ``.cl``), then the module in base64: the format of
    language ``spirv`` (opencl and sycl backends)."""
    raw = file.read_bytes()
    if raw[:4] in (b"\x03\x02\x23\x07", b"\x07\x23\x02\x03"):
        side = file.with_suffix(".cl")
        if not side.is_file():
            raise UserError(f"{file} is a SPIR-V binary; its `//!` launch directives are read from {side}, "
                            "which does not exist",
                            "write the directives there, or pass a text candidate made with "
                            "`python -m kernelhub_opencl.spirv`")
        import base64
        head = [l for l in side.read_text().splitlines() if l.lstrip().startswith("//!")]
        return "\n".join(head) + "\n" + base64.encodebytes(raw).decode(), language or "spirv"
    try:
        return raw.decode(), language
    except UnicodeDecodeError as e:
        raise UserError(f"{file} is neither UTF-8 text nor a SPIR-V binary ({e})",
                        "give the kernel's source file") from None


def _parse_value(v: str) -> Any:
    try:
        return json.loads(v)
    except ValueError:
        return v


# ---------------------------------------------------------------- bench & report


@app.command()
def bench(backend: list[str] = typer.Option([], "--backend", "-b", help="default: every backend usable here"),
          task: list[str] = typer.Option([], "--task", "-t", help="default: every task"),
          out: Optional[Path] = typer.Option(None, help="results folder (default results/bench-<time>)"),
          resume: bool = typer.Option(False, help="skip jobs already in OUT/results.jsonl"),
          quick: bool = typer.Option(False, help="short timing policy"),
          include_test: bool = typer.Option(False, help="include test-only backends"),
          executor: str = typer.Option("local", help="local (in-process pool) or ray"),
          address: Optional[str] = typer.Option(None, help="Ray head host:port for --executor ray "
                                                "(default: a fresh local Ray instance)"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Run every task's starter on every available backend: table, JSONL, plots, report.html/.md."""
    from kernelhub.executor import LocalExecutor, bench_backends, starter_jobs
    from kernelhub.html_report import write_pages
    from kernelhub.report import write_report

    reg = _registry()
    names = bench_backends(reg, backend or None, include_test)
    task_objs = [reg.task(t) for t in task] if task else sorted(reg.tasks.values(), key=lambda t: t.name)
    if resume and out is None:
        raise UserError("--resume needs --out", "name the results folder of the run to resume")
    out = out or Path("results") / time.strftime("bench-%Y%m%d-%H%M%S")
    jobs = starter_jobs(reg, task_objs, names)
    results_path = out / "results.jsonl"
    console = _console() if not as_json else None
    if console:
        console.print(f"bench: {len(task_objs)} tasks x {len(names)} backends ({', '.join(names)}) -> {out}")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=as_json, transient=False, console=console) as progress:
        bar = progress.add_task("evaluating", total=len(jobs))

        def on_result(job, ev, reused) -> None:
            progress.update(bar, advance=1, description=f"{job.task} on {job.candidate.backend}: {ev.status.value}"
                            + (" (resumed)" if reused else ""))

        if executor == "ray":
            from kernelhub.ray_executor import RayExecutor
            runner = RayExecutor(_options(quick), address=address)
        elif executor == "local":
            runner = LocalExecutor(_options(quick))
        else:
            raise UserError(f"unknown executor {executor!r}", "use --executor local or --executor ray")
        evals = runner.run(jobs, results_path, resume=resume, on_result=on_result)
    summary = write_report(evals, out)
    summary["pages"] = write_pages(evals, out, source=str(results_path))
    summary["results"] = str(results_path)
    if as_json:
        _emit_json(summary)
    else:
        _print_summary(summary)


@app.command()
def report(results: Path = typer.Argument(..., help="a results.jsonl written by `kernelhub bench`"),
           out: Optional[Path] = typer.Option(None, help="where to write plots and report.html/report.md "
                                              "(default: beside the results)"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Rebuild the table, summary.json, plots and report.html/report.md from a results file."""
    from kernelhub.executor import read_results
    from kernelhub.html_report import write_pages
    from kernelhub.report import write_report

    if not results.is_file():
        raise UserError(f"results file {str(results)!r} does not exist", "pass the results.jsonl of a bench run")
    evals = list(read_results(results).values())
    if not evals:
        raise UserError(f"{results} holds no results", "run `kernelhub bench` first")
    summary = write_report(evals, out or results.parent)
    summary["pages"] = write_pages(evals, out or results.parent, source=str(results))
    _emit_json(summary) if as_json else _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table
    t = Table(title="kernelhub bench")
    for col in ("task", "backend", "status", "time", "reference", "speedup", "roofline", "note"):
        t.add_column(col, overflow="fold")
    for r in summary["rows"]:
        colour = "green" if r["status"] == "correct" else ("yellow" if r["status"] in ("compile_only", "unavailable")
                                                          else "red")
        t.add_row(r["task"], r["backend"], f"[{colour}]{r['status']}[/]",
                  f"{r['time_ms']:.3f} ms" + ("" if r["device_time"] else " (host)") if r["time_ms"] else "",
                  f"{r['reference_ms']:.3f} ms" if r["reference_ms"] else "",
                  f"{r['speedup']:.2f}x" if r["speedup"] else "",
                  f"{100 * r['roofline_fraction']:.1f}%" if r["roofline_fraction"] else "", r["message"][:60])
    c = _console()
    c.print(t)
    for b, tot in summary["totals"].items():
        g = tot["geomean_speedup"]
        c.print(f"{b}: {tot['correct']}/{tot['jobs']} correct, geomean speedup "
                + (f"{g:.2f}x" if g else "n/a") + f", faster than reference on {tot['faster_than_reference']}")
    for name, p in summary["plots"].items():
        c.print(f"plot {name}: {p}")
    for name, p in summary.get("pages", {}).items():
        c.print(f"report ({name}): {p}")
    if summary.get("plots_skipped"):
        c.print(f"plots skipped: {summary['plots_skipped']}")


@app.command("ray-resources")
def ray_resources() -> None:
    """The --resources JSON for `ray start` on this machine (one per backend and mode usable here)."""
    from kernelhub.ray_executor import node_resources
    print(json.dumps(node_resources(_registry())))


import_app = typer.Typer(no_args_is_help=True, help="Import problem sets in other formats as kernelhub tasks.")
app.add_typer(import_app, name="import")


@import_app.command("kernelbench")
def import_kernelbench(path: list[Path] = typer.Argument(..., help="KernelBench-format .py files or folders"),
                       out: Path = typer.Option(Path("imported/kernelbench"), "--out", help="folder to write"),
                       as_json: bool = typer.Option(False, "--json")) -> None:
    """Read Model/get_inputs/get_init_inputs problem files into tasks (use: KERNELHUB_IMPORTS=OUT)."""
    from kernelhub.importers.kernelbench import import_problems
    rep = import_problems(path, out)
    if as_json:
        _emit_json({"out": str(out), "tasks": [t.name for t in rep.tasks], "errors": rep.errors})
    else:
        for t in rep.tasks:
            print(f"imported {t.name}")
        for msg in rep.errors.values():
            print(f"error: {msg}", file=sys.stderr)
        print(f"{len(rep.tasks)} tasks -> {out}; use them with: export KERNELHUB_IMPORTS={out.resolve()}")
    raise typer.Exit(1 if rep.errors else 0)


# ---------------------------------------------------------------- agents


@app.command()
def serve(http: Optional[str] = typer.Option(None, "--http",
                                             help="HOST:PORT: streamable HTTP at http://HOST:PORT/mcp (default: stdio)")
          ) -> None:
    """Run the MCP tool server (list_backends, backend_manual, list_tasks, get_task, compile, evaluate)."""
    try:
        from kernelhub.agent.mcp_server import serve as _serve
    except ImportError as e:
        raise UserError(f"the MCP server needs the `mcp` package ({e})", "pip install 'kernelhub[agent]'") from None
    _serve(http)


# ---------------------------------------------------------------- schema


@app.command()
def schema(model: Optional[str] = typer.Argument(None, help="one model (default: all)")) -> None:
    """Print the JSON schemas of the public models (agents use them for function calling)."""
    from kernelhub.models import PUBLIC_MODELS
    models = {m.__name__: m for m in PUBLIC_MODELS}
    if model:
        if model not in models:
            raise UserError(f"unknown model {model!r}", f"choose one of: {', '.join(models)}")
        _emit_json(models[model].model_json_schema())
    else:
        _emit_json({name: m.model_json_schema() for name, m in models.items()})


def main() -> None:
    try:
        app()
    except UserError as e:
        sys.stderr.write(f"error: {e.cause}\n" + (f"  fix: {e.fix}\n" if e.fix else ""))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; finished results are saved (use --resume to continue)\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
