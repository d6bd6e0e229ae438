"""``conformance selftest``: what the suite is worth, measured as the defects it detects.

The suite runs once against the faithful fault proxy (moto's server behind a layer that
behaves like AWS as far as we know) and once per named defect of the catalogue. A defect is
*killed* when some result that passes on the faithful proxy fails or errors with the
defect on. Prints the kill ratio and the survivors; a check that fails on the faithful
proxy is reported too, since it would blame a correct backend.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

BAD = ("failed", "error")
#: How long the proxy's jobs take to complete. Long enough that a loaded 2-core machine still
#: reads a running job between its Create and its Stop (with 0.3 s, stop_running_rejected
#: survived a full selftest under load: the Stop tests skipped, every job already ended); the
#: run's shared waiting keeps the cost small.
JOB_SECONDS = 1.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--defects", default=None, metavar="A,B,...",
                        help="only these defects (default: the whole catalogue)")
    parser.add_argument("--list", action="store_true", help="list the catalogue and exit")
    parser.add_argument("--workers", type=int, default=2, help="suite runs in parallel (default 2)")
    parser.add_argument("--profile", default="ci", help="Hypothesis profile of each run (default ci)")
    parser.add_argument("--min-ratio", type=float, default=0.95,
                        help="exit 1 below this kill ratio (default 0.95)")
    parser.add_argument("--no-lifecycle", action="store_true",
                        help="jobs complete instantly instead of moving STARTING -> INPROGRESS -> COMPLETED")
    parser.add_argument("--job-seconds", type=float, default=JOB_SECONDS, metavar="SECONDS",
                        help=f"jobs take this long to complete (default {JOB_SECONDS}: a quarter STARTING, "
                             "the rest INPROGRESS)")
    parser.add_argument("--read-timeout", type=float, default=5.0,
                        help="read timeout of each run's client, so a hanging defect costs seconds")
    parser.add_argument("-k", dest="keyword", default=None, metavar="EXPRESSION",
                        help="run only the suite tests matching this pytest -k expression "
                             "(a quicker, partial measure)")
    parser.add_argument("--output", default=None, metavar="DIR",
                        help="keep every run's report under DIR/<defect>/ and write DIR/selftest.json")


@dataclass
class Outcome:
    name: str
    results: dict[str, str] = field(default_factory=dict)
    exit_code: int = 0
    seconds: float = 0.0
    problem: str | None = None


def _run_suite(url: str, out: Path, args: argparse.Namespace) -> tuple[int, dict[str, str], str | None]:
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


def _one(name: str | None, upstream: str, root: Path, args: argparse.Namespace) -> Outcome:
    from ..faults import FaultProxy, Lifecycle

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


def main(args: argparse.Namespace) -> int:
    from ..backends import moto_server
    from ..faults import DEFECTS, describe

    if args.list:
        print(describe())
        return 0
    names = list(DEFECTS)
    if args.defects:
        names = [n.strip() for n in args.defects.split(",") if n.strip()]
        unknown = [n for n in names if n not in DEFECTS]
        if unknown:
            raise UsageError(f"unknown defect(s) {', '.join(unknown)}; see `conformance selftest --list`")
    if (args.job_seconds or 0) < 0:
        raise UsageError("--job-seconds must not be negative")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    root = Path(args.output) if args.output else Path(tempfile.mkdtemp(prefix="conformance-selftest-"))
    started = time.perf_counter()
    with moto_server() as upstream:
        faithful = _one(None, upstream, root, args)
        if faithful.problem:
            print(f"conformance: error: the faithful run failed: {faithful.problem}", file=sys.stderr)
            return 2
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
    width = max((len(r["defect"]) for r in rows), default=10)
    print(f"faithful proxy: {sum(o == 'passed' for o in faithful.results.values())} passed, "
          f"{len(false_alarms)} failed/error of {len(faithful.results)} results")
    for rid in false_alarms:
        print(f"  FALSE ALARM (fails on the faithful proxy): {rid}")
    for r in rows:
        mark = "killed  " if r["killed"] else "SURVIVED"
        by = ", ".join(r["by"][:3]) + (f" (+{len(r['by']) - 3})" if len(r["by"]) > 3 else "")
        print(f"  {mark} {r['defect']:<{width}}  {by or r['problem'] or r['description']}")
    survivors = [r["defect"] for r in rows if not r["killed"]]
    print(f"kill ratio: {killed}/{len(rows)} = {ratio:.1%} in {time.perf_counter() - started:.0f} s"
          + (f"; survivors: {', '.join(survivors)}" if survivors else ""))
    summary = {"kill_ratio": ratio, "killed": killed, "defects": len(rows), "survivors": survivors,
               "false_alarms": false_alarms, "rows": rows}
    if args.output:
        (root / "selftest.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if ratio >= args.min_ratio and not false_alarms else 1
