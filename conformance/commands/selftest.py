"""``conformance selftest``: argparse front end of :mod:`conformance.faults.selftest` (the
suite once on the faithful fault proxy and once per defect; prints the kill ratio and the
survivors, and a check failing on the faithful proxy as a false alarm)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ..errors import UsageError
from ..faults.selftest import JOB_SECONDS, FaithfulRunFailed, measure


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


def main(args: argparse.Namespace) -> int:
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
    try:
        faithful, summary = measure(names, root, args)
    except FaithfulRunFailed as exc:
        print(f"conformance: error: the faithful run failed: {exc}", file=sys.stderr)
        return 2
    rows, false_alarms = summary["rows"], summary["false_alarms"]
    width = max((len(r["defect"]) for r in rows), default=10)
    print(f"faithful proxy: {sum(o == 'passed' for o in faithful.results.values())} passed, "
          f"{len(false_alarms)} failed/error of {len(faithful.results)} results")
    for rid in false_alarms:
        print(f"  FALSE ALARM (fails on the faithful proxy): {rid}")
    for r in rows:
        mark = "killed  " if r["killed"] else "SURVIVED"
        by = ", ".join(r["by"][:3]) + (f" (+{len(r['by']) - 3})" if len(r["by"]) > 3 else "")
        print(f"  {mark} {r['defect']:<{width}}  {by or r['problem'] or r['description']}")
    survivors = summary["survivors"]
    print(f"kill ratio: {summary['killed']}/{len(rows)} = {summary['kill_ratio']:.1%} in "
          f"{time.perf_counter() - started:.0f} s" + (f"; survivors: {', '.join(survivors)}" if survivors else ""))
    if args.output:
        (root / "selftest.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if summary["kill_ratio"] >= args.min_ratio and not false_alarms else 1
