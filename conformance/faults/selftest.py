"""What the suite is worth, measured as the defects it detects (``conformance selftest``).

The suite runs once against the faithful fault proxy (moto's server behind a layer that
behaves like AWS as far as we know) and once per named defect of the catalogue. A defect is
*killed* when some result that passes on the faithful proxy fails or errors with the
defect on. The summary holds the kill ratio and the survivors, and every check that fails on
the faithful proxy as a false alarm, since it would blame a correct backend.
"""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BAD = ("failed", "error")
#: How long the proxy's jobs take to complete. Long enough that a loaded 2-core machine still
#: reads a running job between its Create and its Stop (with 0.3 s, stop_running_rejected
#: survived a full selftest under load: the Stop tests skipped, every job already ended); the
#: run's shared waiting keeps the cost small.
JOB_SECONDS = 1.5


@dataclass
class Outcome:
    name: str
    results: dict[str, str] = field(default_factory=dict)
    exit_code: int = 0
    seconds: float = 0.0
    problem: str | None = None


def _run_suite(url: str, out: Path, args: Any) -> tuple[int, dict[str, str], str | None]:
    cmd = [sys.executable, "-m", "conformance", "run", "--backend", "server", "--endpoint-url", url,
           "--profile", args.profile, "--output", str(out), "-q", "--", "--read-timeout",
           str(args.read_timeout), "-p", "no:randomly"] + (["-k", args.keyword] if args.keyword else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    report = out / "report.json"
    if not report.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return proc.returncode, {}, f"no report (exit {proc.returncode}): {tail[0]}"
    data = json.loads(report.read_text(encoding="utf-8"))
    return proc.returncode, {r["id"]: r["outcome"] for r in data["results"]}, None


def _one(name: str | None, upstream: str, root: Path, args: Any) -> Outcome:
    from . import FaultProxy, Lifecycle

    lifecycle = None if args.no_lifecycle else Lifecycle.lasting(args.job_seconds)
    started = time.perf_counter()
    label = name or "faithful"
    with FaultProxy(upstream, defects=[name] if name else [], lifecycle=lifecycle) as proxy:
        code, results, problem = _run_suite(proxy.url, root / label, args)
    return Outcome(label, results, code, time.perf_counter() - started, problem)


def killers(faithful: Outcome, defective: Outcome) -> list[str]:
    """Result ids that pass on the faithful proxy and fail or error with the defect."""
    return sorted(
        rid for rid, outcome in defective.results.items()
        if outcome in BAD and faithful.results.get(rid) == "passed"
    )




class FaithfulRunFailed(Exception):
    """The faithful run gave no report: nothing can be measured against it."""


def measure(names: list[str], root: Path, args: Any) -> tuple[Outcome, dict[str, Any]]:
    """The suite once on the faithful proxy, then once per defect of ``names`` (``args.workers``
    at a time), each with its own fresh proxy over one moto server: the faithful outcome, and
    the summary ``selftest.json`` holds (kill ratio, survivors, false alarms, a row per defect)."""
    from ..motoserver import moto_server
    from . import DEFECTS

    with moto_server() as upstream:
        faithful = _one(None, upstream, root, args)
        if faithful.problem:
            raise FaithfulRunFailed(faithful.problem)
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
            outcomes = list(pool.map(lambda n: _one(n, upstream, root, args), names))
    false_alarms = sorted(rid for rid, o in faithful.results.items() if o in BAD)
    rows = []
    for outcome in outcomes:
        kills = killers(faithful, outcome)
        rows.append({"defect": outcome.name, "killed": bool(kills), "by": kills,
                     "seconds": round(outcome.seconds, 1), "problem": outcome.problem,
                     "description": DEFECTS[outcome.name].description})
    killed = sum(r["killed"] for r in rows)
    ratio = killed / len(rows) if rows else 0.0
    survivors = [r["defect"] for r in rows if not r["killed"]]
    return faithful, {"kill_ratio": ratio, "killed": killed, "defects": len(rows), "survivors": survivors,
                      "false_alarms": false_alarms, "rows": rows}
