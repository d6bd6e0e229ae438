"""``conformance gate --baseline BASELINE CURRENT``: argparse front end of :mod:`conformance.reports.gate`."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

from ..errors import UsageError
from ..reports import load as load_report
from ..reports.gate import baseline_of, compare, render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", required=True, metavar="BASELINE",
                        help="the committed baseline report, e.g. reports/baseline/moto.json")
    parser.add_argument("current", metavar="CURRENT", help="report.json of the run to judge")
    parser.add_argument("--update", action="store_true",
                        help="accept CURRENT: rewrite BASELINE from it (exit 0)")


def main(args: argparse.Namespace) -> int:
    current = load_report(args.current)
    baseline_path = Path(args.baseline)
    accept = (f"conformance gate --baseline {shlex.quote(args.baseline)} "
              f"{shlex.quote(args.current)} --update")
    if args.update:
        if current.get("interrupted"):
            raise UsageError(f"{args.current}: an interrupted run's partial report is not a baseline; run the suite to the end")
        verdict = None
        if baseline_path.exists():
            baseline = load_report(baseline_path)
            verdict = compare(baseline, current)
        baseline_path.parent.mkdir(parents=True, exist_ok=True)
        baseline_path.write_text(json.dumps(baseline_of(current), indent=2) + "\n", encoding="utf-8")
        what = "created" if verdict is None else "updated"
        print(f"gate: baseline {what}: {baseline_path} ({len(current['results'])} results)")
        if verdict is not None:
            print(f"  accepted: {len(verdict.regressed)} regressed, {len(verdict.disappeared)} "
                  f"disappeared, {len(verdict.improved)} improved, {len(verdict.changed)} changed, "
                  f"{len(verdict.new)} new")
        return 0
    if not baseline_path.exists():
        raise UsageError(f"{baseline_path}: no such baseline; create it with: {accept}")
    baseline = load_report(baseline_path)
    verdict = compare(baseline, current)
    print(render(verdict, baseline, current, accept), end="")
    return 1 if verdict.failed else 0
