"""``conformance run``: the suite through ``pytest.main``, so it is the same tests whichever
way a user starts them; then the report the plugin wrote decides the exit code."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..backends import KINDS, RECORD_MODES, BackendOptions, check_reachable
from ..errors import UsageError

SUITE_DIR = Path(__file__).resolve().parent.parent / "suite"
PROFILES = ("ci", "dev", "thorough")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="moto", help=f"one of {', '.join(KINDS)} (default moto)")
    parser.add_argument("--endpoint-url", default=None, metavar="URL",
                        help="emulator URL for --backend server (default: start moto's server)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--record-mode", default=None, help=f"one of {', '.join(RECORD_MODES)}")
    parser.add_argument("--cassette-dir", default=None, metavar="DIR")
    parser.add_argument("--output", default="reports/latest", metavar="DIR",
                        help="where report.json and report.md go (default reports/latest)")
    parser.add_argument("--profile", default="dev", help=f"Hypothesis profile: {', '.join(PROFILES)}")
    parser.add_argument("-n", "--workers", default=None,
                        help="pytest-xdist workers (e.g. 2 or auto); default: no xdist")
    parser.add_argument("--poll-budget", default=None, type=float, metavar="SECONDS",
                        help="how long a scenario may poll one job for a status (default 60; "
                             "real jobs take minutes)")
    parser.add_argument("--since", default=None, metavar="SERVICE_JSON",
                        help="an older botocore service-2.json[.gz]: add checks aimed at the changes since")
    parser.add_argument("-q", "--quiet", action="store_true", help="less pytest output")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                        help="after --, extra arguments for pytest (e.g. -- -k roundtrip)")


def pytest_argv(args: argparse.Namespace) -> list[str]:
    argv = [
        str(SUITE_DIR),
        "-c", str(SUITE_DIR / "pytest.ini"),
        "--rootdir", str(Path.cwd()),
        "--backend", args.backend,
        "--report-dir", str(Path(args.output)),
        "--hypothesis-profile", args.profile,
        "-p", "no:cacheprovider",
    ]
    for flag, value in (("--endpoint-url", args.endpoint_url), ("--region", args.region),
                        ("--record-mode", args.record_mode), ("--cassette-dir", args.cassette_dir),
                        ("--since", getattr(args, "since", None)),
                        ("--poll-budget", getattr(args, "poll_budget", None))):
        if value is not None:
            argv += [flag, str(value)]
    if args.workers:
        argv += ["-n", str(args.workers)]
    argv += ["-q"] if args.quiet else ["-rfEs"]
    extra = [a for a in args.pytest_args if a != "--"]
    return argv + extra


def main(args: argparse.Namespace) -> int:
    if (getattr(args, "poll_budget", None) or 0) < 0:
        raise UsageError("--poll-budget must not be negative")
    if args.profile not in PROFILES:
        raise UsageError(f"unknown profile {args.profile!r}; choose one of: {', '.join(PROFILES)}")
    BackendOptions(kind=args.backend, endpoint=args.endpoint_url,
                   record_mode=args.record_mode or "none").validate()
    if args.endpoint_url:
        check_reachable(args.endpoint_url)
    import pytest

    code = pytest.main(pytest_argv(args))
    report_path = Path(args.output) / "report.json"
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR) or code == 2 and not report_path.exists():
        return 2
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("conformance: error: no conformance test was selected", flush=True)
        return 2
    if not report_path.exists():
        raise UsageError(f"the run wrote no report at {report_path}")
    if code == pytest.ExitCode.INTERRUPTED:
        # Never 0: a gate must not take a cut-short run for a green one. The report holds the
        # results finished before the interrupt and says it is partial ("interrupted").
        print(f"conformance: error: interrupted; the partial report is {report_path}", flush=True)
        return 2
    summary = json.loads(report_path.read_text(encoding="utf-8"))["summary"]
    return 1 if summary["failed"] or summary["error"] else 0
