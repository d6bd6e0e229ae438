"""``conformance sweep``: the generic checks for every resource family a backend implements.

For each family of :mod:`conformance.resources` (or those named), the generic scenarios of
:mod:`conformance.scenarios.generic` run against one backend; the wire clauses of
:mod:`conformance.checks.clauses` judge every exchange of the family's operations. The
results go into the same report as ``conformance run`` (report.schema.json), with a
``coverage`` matrix family x check that report.md and report.html render.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Iterable

from .. import reports
from .. import resources
from ..backends import Backend
from ..checks.clauses import WireClauses, results as wire_results
from ..exchange import Caller
from ..session import SpecLedger, run_prefix
from ..scenarios import CHECKS, FamilyRun, Sweeper

def plan(names: Iterable[str] | None, backend_kind: str) -> tuple[list[resources.ResourceSpec], list[str]]:
    """The families to sweep, dependencies first, and why others are left out. Costly
    families are swept on a real account only when named (``names``)."""
    named = list(names or [])
    chosen = resources.specs(named or None)
    order: list[resources.ResourceSpec] = []
    skipped: list[str] = []

    def add(spec: resources.ResourceSpec) -> None:
        if spec in order:
            return
        for family in spec.needs.values():
            add(resources.spec(family))
        order.append(spec)

    def costly(spec: resources.ResourceSpec) -> bool:
        """Costly itself or through a resource it needs (UserProfile needs a Domain)."""
        return (spec.costly and spec.family not in named) or any(
            costly(resources.spec(f)) for f in spec.needs.values())

    for spec in chosen:
        if backend_kind == "aws" and costly(spec):
            skipped.append(spec.family)
            continue
        add(spec)
    return order, skipped


def sweep_family(ledger: SpecLedger, spec: resources.ResourceSpec, made: dict[str, dict[str, Any]],
                 checks: Iterable[str] | None = None, clauses: Iterable[str] | None = None) -> FamilyRun:
    """The generic scenarios of one family, with its wire clauses judged on every exchange."""
    run = FamilyRun(spec)
    wire = WireClauses(spec.operations)
    ledger.caller.observers.append(wire)
    try:
        Sweeper(ledger, run, made, clauses).sweep(checks)
    except Exception as exc:  # noqa: BLE001 - one family's surprise must not end the sweep
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        run.result(spec.create, "sweep", "scenario", "error", basis="assumption",
                   message=f"the sweep's scenario for {spec.family} raised {type(exc).__name__}: {exc} "
                           f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})")
    finally:
        ledger.caller.observers.remove(wire)
    if run.status in ("implemented", "refuses"):
        wanted = set(checks or CHECKS)
        state = wire.state()
        run.results += [r for r in wire_results(state) if r["check"] in wanted]
        run.notes += list(state["notes"].values())
    return run


def coverage(runs: list[FamilyRun], skipped_costly: list[str]) -> dict[str, Any]:
    """family -> {status, cells: check -> holds | fails | skipped | not run}: the matrix an
    emulator author would put in their docs."""
    families: dict[str, Any] = {}
    for run in runs:
        cells = {}
        for check in CHECKS:
            outcomes = {r["outcome"] for r in run.results if r["check"] == check}
            cells[check] = ("fails" if outcomes & {"failed", "error"} else "holds" if "passed" in outcomes
                            else "skipped" if outcomes else "not run")
        families[run.spec.family] = {"status": run.status, "cells": cells}
    for family in skipped_costly:
        families[family] = {"status": "costly (not created)", "cells": dict.fromkeys(CHECKS, "not run")}
    return {"checks": list(CHECKS), "families": dict(sorted(families.items()))}


def run(backend: Backend, families: Iterable[str] | None = None, checks: Iterable[str] | None = None,
        poll_budget: float = 60.0) -> dict[str, Any]:
    """Sweep ``families`` (default all) on ``backend``; returns the report (not yet written)."""
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    order, costly = plan(families, backend.kind)
    ledger = SpecLedger(Caller(backend.client(), keep_history=False), run_prefix(backend.kind), poll_budget)
    book = reports.ResultBook()
    runs: list[FamilyRun] = []
    made: dict[str, dict[str, Any]] = {}
    durations: dict[str, float] = {}
    interrupted = False
    try:
        for spec in order:
            began = time.perf_counter()
            family_run = sweep_family(ledger, spec, made, checks)
            durations[spec.family] = round(time.perf_counter() - began, 3)
            runs.append(family_run)
            for result in family_run.results:
                book.add(result)
            for note in family_run.notes:
                book.note(note)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        left = ledger.cleanup()
    for family in costly:
        book.note({"id": f"Create{family}/sweep/costly", "operation": f"Create{family}", "message": (
            f"{family} costs money while it exists: a sweep on a real account creates it only when named "
            "(--family)")})
    for item in left:
        book.note({"id": f"sweep/cleanup/{item.split()[0]}", "operation": None,
                   "message": f"could not delete {item}; delete it by hand"})
    extra: dict[str, Any] = {"coverage": coverage(runs, costly), "sweep": {"prefix": ledger.prefix,
                             "families": [s.family for s in order], "duration_s": durations}}
    if interrupted:
        extra["interrupted"] = True
    return reports.build(book, backend=backend.describe(), started_at=started,
                         duration_s=time.perf_counter() - clock, extra=extra)


def coverage_markdown(report: dict[str, Any]) -> str:
    """The coverage matrix alone (``coverage.md``): a few kB where report.md of a whole sweep
    runs to megabytes, for an emulator's docs or a CI step summary."""
    s = report["summary"]
    head = [f"# SageMaker resource families on `{report['backend']['kind']}`", "",
            f"{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['error']} error; "
            f"versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v) + ".", ""]
    return "\n".join(head + reports.render_coverage_markdown(report))
