"""``conformance sweep``: the generic checks over every resource family of the model a backend
implements (``conformance.sweep``), one report in the format of ``conformance run``.
``--backend aws`` replays the sweep's cassettes (``<cassette dir>/sweep/<Family>.yaml``, see
:mod:`conformance.cassettes.sweep`), or records them with ``--record-mode``.

Exit codes as ``conformance run``: 0 every check passed or was skipped, 1 one failed,
2 bad input (one line) or a sweep that judged nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..backends import KINDS, RECORD_MODES, BackendOptions, check_reachable, open_backend
from ..errors import NothingToJudge, UsageError

if TYPE_CHECKING:
    from ..cassettes.sweep import SweepCassettes

DEFAULT_OUTPUT = "reports/latest/sweep"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="moto", help=f"one of {', '.join(KINDS)} (default moto)")
    parser.add_argument("--endpoint-url", default=None, metavar="URL",
                        help="emulator URL for --backend server (default: start moto's server)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, metavar="DIR",
                        help=f"where report.json, report.md and report.html go (default {DEFAULT_OUTPUT})")
    parser.add_argument("--family", action="append", default=None, metavar="FAMILY",
                        help="sweep only this family (repeatable; e.g. Model). On a real account, costly "
                             "families (Endpoint, NotebookInstance, ...) are created only when named")
    parser.add_argument("--check", action="append", default=None, metavar="CHECK",
                        help="run only this generic check (repeatable; e.g. filter-oracle)")
    parser.add_argument("--record-mode", default="none", metavar="MODE",
                        help=f"--backend aws: one of {', '.join(RECORD_MODES)} (default none: replay the "
                             "cassettes, offline; recording uses the account's credentials)")
    parser.add_argument("--cassette-dir", default="cassettes", metavar="DIR",
                        help="--backend aws: where the cassettes are; a family's is sweep/<Family>.yaml "
                             "(default cassettes/)")
    parser.add_argument("--max-attempts", default=8, type=int, metavar="N",
                        help="attempts per call, retries included (default 8; a replay sends each once)")
    parser.add_argument("--poll-budget", default=60.0, type=float, metavar="SECONDS",
                        help="how long cleanup may wait for one resource to settle (default 60)")


def _validate(args: argparse.Namespace) -> None:
    from .. import resources
    from ..sweep import CHECKS

    for family in args.family or []:
        if family not in resources.families():
            raise UsageError(str(resources._unknown("family", family, resources.families())).splitlines()[0])
    for check in args.check or []:
        if check not in CHECKS:
            raise UsageError(f"unknown check {check!r}; choose from: {', '.join(CHECKS)}")
    if args.poll_budget < 0:
        raise UsageError("--poll-budget must not be negative")
    if args.backend != "aws" and args.record_mode != "none":
        raise UsageError("--record-mode needs --backend aws (cassettes of the real API)")


def cassettes(args: argparse.Namespace) -> "SweepCassettes | None":
    """``--backend aws``: the sweep's cassettes, every file checked up front (a corrupt one is
    one line and exit 2); recording on a real account needs its credentials."""
    if args.backend != "aws":
        return None
    from ..cassettes import recording_config, validate_dir
    from ..cassettes.sweep import SweepCassettes, require_sweep_cassettes

    root = Path.cwd()
    config = recording_config({"cassette_dir": args.cassette_dir, "record_mode": args.record_mode,
                               "endpoint_url": args.endpoint_url, "region": args.region}, root)
    validate_dir(config.cassette_dir, root)
    require_sweep_cassettes(config, root)
    return SweepCassettes(config, root)


def main(args: argparse.Namespace) -> int:
    options = BackendOptions(kind=args.backend, endpoint=args.endpoint_url, region=args.region,
                             record_mode=args.record_mode, max_attempts=args.max_attempts).validate()
    _validate(args)
    if args.endpoint_url:
        check_reachable(args.endpoint_url)
    from .. import reports as report, sweep

    recorded = cassettes(args)
    with open_backend(options) as backend:
        result = sweep.run(backend, args.family, args.check, poll_budget=args.poll_budget, cassettes=recorded)
    out = Path(args.output)
    report.write(result, out)
    (out / "coverage.md").write_text(sweep.coverage_markdown(result), encoding="utf-8")
    s = result["summary"]
    print(f"conformance sweep: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, "
          f"{s['error']} error over {len(result['coverage']['families'])} families in "
          f"{result['duration_s']:.1f} s; report {out / 'report.md'}, matrix {out / 'coverage.md'}", flush=True)
    if result.get("interrupted"):
        print("conformance: error: interrupted; the report is partial", flush=True)
        return 2
    if not (s["passed"] or s["failed"] or s["error"]):
        raise NothingToJudge(f"nothing was judged: all {s['skipped']} results were skipped")
    return 1 if s["failed"] or s["error"] else 0
