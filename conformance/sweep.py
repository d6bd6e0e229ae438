"""``conformance sweep``: the generic checks for every resource family a backend implements.

For each family of :mod:`conformance.resources` (or those named), the generic scenarios of
:mod:`conformance.scenarios.generic` run against one backend; the wire clauses of
:mod:`conformance.checks.clauses` judge every exchange of the family's operations. The
results go into the same report as ``conformance run`` (report.schema.json), with a
``coverage`` matrix family x check that report.md and report.html render.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timezone
from typing import Any, Iterable

from . import reports
from . import resources
from .backends import Backend
from .cassettes import without_local_constants
from .cassettes.sweep import StaleSweepCassette, SweepCassettes, family_cassette
from .checks.clauses import WireClauses, results as wire_results
from .exchange import Caller
from .session import SpecLedger, run_prefix
from .scenarios import CHECKS, FamilyRun, Sweeper, generic as scenarios

def plan(names: Iterable[str] | None, backend_kind: str,
         real_account: bool | None = None) -> tuple[list[resources.ResourceSpec], list[str]]:
    """The families to sweep, dependencies first, and the costly ones left out: on a real
    account (``real_account``; default: whenever the backend is ``aws``) a costly family is
    created only when named (``names``)."""
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

    guarded = backend_kind == "aws" if real_account is None else real_account
    for spec in chosen:
        if guarded and costly(spec):
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
    except StaleSweepCassette as exc:  # replay: what the family's cassette lacks stops it, said once
        run.status = "stale cassette"
        run.skip(spec.create, "sweep", "cassette", str(exc))
        run.results[-1]["stale_cassette"] = str(exc).split(" ", 3)[2]
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


def _recorded_family(cassettes: SweepCassettes, ledger: SpecLedger, spec: resources.ResourceSpec,
                     made: dict[str, dict[str, Any]], checks: Iterable[str] | None) -> FamilyRun:
    """One family inside its cassette (``--backend aws``): its calls and ``simplest()`` draws
    recorded or replayed, its names scoped to it (a cassette matches requests by name, and a
    family's must not depend on which families ran before it); no cassette is one skip."""
    missing = cassettes.missing(spec.family)
    if missing:
        run = FamilyRun(spec, status="no cassette")
        run.skip(spec.create, "sweep", "cassette", missing)
        return run
    with ledger.name_scope(spec.family), cassettes.family(spec.family, ledger.caller.client) as draws:
        scenarios._create_request.cache_clear()  # a cached draw would be neither noted nor replayed
        scenarios.DRAWS, ledger.clock = draws, draws
        try:
            return sweep_family(ledger, spec, made, checks)
        finally:
            scenarios.DRAWS, ledger.clock = None, time
            scenarios._create_request.cache_clear()


def run(backend: Backend, families: Iterable[str] | None = None, checks: Iterable[str] | None = None,
        poll_budget: float = 60.0, cassettes: SweepCassettes | None = None) -> dict[str, Any]:
    """Sweep ``families`` (default all) on ``backend``; returns the report (not yet written).
    ``cassettes`` (``--backend aws``): each family is recorded into, or replayed from, its own;
    costly families are left out only where they would be created on a real account."""
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    # simplest() promises the same requests on every run, as the ci profile does for `run`:
    # also across edits of any literal in the project, which Hypothesis' "local constants"
    # pool would feed into the draws (and a recording would no longer match a live sweep)
    without_local_constants()
    real_account = backend.kind == "aws" and (
        cassettes is None or (not cassettes.replaying and cassettes.config.recorded_against == "aws"))
    order, costly = plan(families, backend.kind, real_account)
    if cassettes is not None and cassettes.replaying:
        # nothing is created in replay; a costly family a real-account recording left out is
        # reported as such, not as a missing cassette
        unrecorded = {s.family for s in order if s.costly and s.family not in (families or ())
                      and not family_cassette(cassettes.config.cassette_dir, s.family).is_file()}
        order, costly = [s for s in order if s.family not in unrecorded], costly + sorted(unrecorded)
    ledger = SpecLedger(Caller(backend.client(), keep_history=False), run_prefix(backend.kind), poll_budget)
    book = reports.ResultBook()
    runs: list[FamilyRun] = []
    made: dict[str, dict[str, Any]] = {}
    durations: dict[str, float] = {}
    interrupted = False
    left: list[str] = []
    try:
        with cassettes.session() if cassettes is not None else contextlib.nullcontext():
            for spec in order:
                began = time.perf_counter()
                family_run = (_recorded_family(cassettes, ledger, spec, made, checks) if cassettes is not None
                              else sweep_family(ledger, spec, made, checks))
                durations[spec.family] = round(time.perf_counter() - began, 3)
                runs.append(family_run)
                for result in family_run.results:
                    book.add(result)
                for note in family_run.notes:
                    book.note(note)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # a replay created nothing (and a Delete outside every cassette could not be answered);
        # a recording cleans up live, after the families' cassettes are written
        left = [] if backend.offline else ledger.cleanup()
    for family in costly:
        book.note({"id": f"Create{family}/sweep/costly", "operation": f"Create{family}", "message": (
            f"{family} costs money while it exists: a sweep on a real account creates it only when named "
            "(--family)")})
    for item in left:
        book.note({"id": f"sweep/cleanup/{item.split()[0]}", "operation": None,
                   "message": f"could not delete {item}; delete it by hand"})
    extra: dict[str, Any] = {"coverage": coverage(runs, costly), "sweep": {"prefix": ledger.prefix,
                             "families": [s.family for s in order], "duration_s": durations}}
    if cassettes is not None:
        extra["cassettes"] = cassettes.report_section()
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
