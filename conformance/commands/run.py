"""``conformance run``: the suite through ``pytest.main``, so it is the same tests whichever
way a user starts them; then the report the plugin wrote decides the exit code.

Settings follow the one precedence (flag > ``[tool.conformance]`` > ``CONFORMANCE_<KEY>`` >
default), resolved where pytest resolves them (the working directory): only the flags a user
gave are passed on, so pyproject.toml and the environment are not overridden by our defaults.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .. import config
from ..backends import KINDS, RECORD_MODES, BackendOptions, check_reachable
from ..errors import NothingToJudge, UsageError

SUITE_DIR = Path(__file__).resolve().parent.parent / "suite"
PROFILES = ("ci", "dev", "thorough")
#: Where the report goes when neither --output nor report_dir (pyproject, environment) says.
DEFAULT_OUTPUT = "reports/latest"
#: ``conformance run`` flag (argparse dest) -> the plugin's option; each a setting of config.DEFAULTS.
_PASSED_ON = {
    "backend": "--backend", "endpoint_url": "--endpoint-url", "region": "--region",
    "record_mode": "--record-mode", "cassette_dir": "--cassette-dir", "max_attempts": "--max-attempts",
    "read_timeout": "--read-timeout", "poll_budget": "--poll-budget", "max_live_jobs": "--max-live-jobs",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default=None,
                        help=f"one of {', '.join(KINDS)} (default moto; or backend in [tool.conformance], "
                             "CONFORMANCE_BACKEND)")
    parser.add_argument("--endpoint-url", default=None, metavar="URL",
                        help="emulator URL for --backend server (default: start moto's server)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--record-mode", default=None, help=f"one of {', '.join(RECORD_MODES)}")
    parser.add_argument("--cassette-dir", default=None, metavar="DIR")
    parser.add_argument("--output", default=None, metavar="DIR",
                        help="where report.json and report.md go (default report_dir of "
                             f"[tool.conformance] or CONFORMANCE_REPORT_DIR, else {DEFAULT_OUTPUT})")
    parser.add_argument("--profile", default="dev", help=f"Hypothesis profile: {', '.join(PROFILES)}")
    parser.add_argument("-n", "--workers", default=None,
                        help="pytest-xdist workers (e.g. 2 or auto); default: no xdist")
    parser.add_argument("--poll-budget", default=None, type=float, metavar="SECONDS",
                        help="how long a scenario may poll one job for a status (default 60; "
                             "real jobs take minutes)")
    parser.add_argument("--max-live-jobs", default=None, type=int, metavar="N",
                        help="jobs of the run alive at once at most (default 10; 0: no bound); a "
                             "Create beyond it waits")
    parser.add_argument("--max-attempts", default=None, type=int, metavar="N",
                        help="attempts per call, retries included (default 8; see README)")
    parser.add_argument("--read-timeout", default=None, type=float, metavar="SECONDS",
                        help="read timeout per attempt (default 2 for moto and server, 30 for aws)")
    parser.add_argument("--since", default=None, metavar="SERVICE_JSON",
                        help="an older botocore service-2.json[.gz]: add checks aimed at the changes since")
    parser.add_argument("-q", "--quiet", action="store_true", help="less pytest output")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                        help="after --, extra arguments for pytest (e.g. -- -k roundtrip)")


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The settings flags given on this command line (None: not given)."""
    return {key: getattr(args, key, None) for key in _PASSED_ON}


def resolve(args: argparse.Namespace) -> dict[str, Any]:
    """The run's settings, as the plugin will resolve them, plus the report folder."""
    resolved = config.resolve({**_given(args), "report_dir": getattr(args, "output", None)}, Path.cwd())
    resolved["report_dir"] = str(resolved["report_dir"] or DEFAULT_OUTPUT)
    return resolved


def pytest_argv(args: argparse.Namespace, report_dir: str | None = None) -> list[str]:
    argv = [
        str(SUITE_DIR),
        "-c", str(SUITE_DIR / "pytest.ini"),
        "--rootdir", str(Path.cwd()),
        "--report-dir", str(report_dir or getattr(args, "output", None) or DEFAULT_OUTPUT),
        "--hypothesis-profile", args.profile,
        "-p", "no:cacheprovider",
    ]
    given = {**_given(args), "since": getattr(args, "since", None)}
    for key, value in given.items():
        if value is not None:
            argv += [_PASSED_ON.get(key, "--since"), str(value)]
    if args.workers:
        argv += ["-n", str(args.workers)]
    argv += ["-q"] if args.quiet else ["-rfEs"]
    extra = [a for a in args.pytest_args if a != "--"]
    return argv + extra


def main(args: argparse.Namespace) -> int:
    if (getattr(args, "poll_budget", None) or 0) < 0:
        raise UsageError("--poll-budget must not be negative")
    if (getattr(args, "max_live_jobs", None) or 0) < 0:
        raise UsageError("--max-live-jobs must not be negative (0: no bound)")
    if args.profile not in PROFILES:
        raise UsageError(f"unknown profile {args.profile!r}; choose one of: {', '.join(PROFILES)}")
    resolved = resolve(args)
    BackendOptions(kind=resolved["backend"], endpoint=resolved["endpoint_url"],
                   record_mode=resolved["record_mode"] or "none",
                   max_attempts=resolved["max_attempts"]).validate()
    if resolved["endpoint_url"]:
        check_reachable(resolved["endpoint_url"])
    if resolved["backend"] == "aws":
        from .. import cassettes

        directory = Path(resolved["cassette_dir"] or "cassettes")
        cassettes.require_cassettes(directory if directory.is_absolute() else Path.cwd() / directory,
                                    resolved["record_mode"], Path.cwd())
    import pytest

    report_path = Path(resolved["report_dir"]) / "report.json"
    before = _stamp(report_path)  # a report left by an earlier run must not speak for this one
    code = pytest.main(pytest_argv(args, resolved["report_dir"]))
    written = report_path.is_file() and _stamp(report_path) != before
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR) or code == 2 and not written:
        return 2
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("conformance: error: no conformance test was selected", flush=True)
        return 2
    if not written:
        raise UsageError(f"the run wrote no report at {report_path}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    if code == pytest.ExitCode.INTERRUPTED and report.get("interrupted"):
        # Never 0: a gate must not take a cut-short run for a green one. The report holds the
        # results finished before the interrupt and says it is partial ("interrupted").
        print(f"conformance: error: interrupted; the partial report is {report_path}", flush=True)
        return 2
    summary = report["summary"]
    if not (summary["passed"] or summary["failed"] or summary["error"]):
        raise NothingToJudge(f"nothing was judged: all {summary['skipped']} results were skipped "
                             f"(report {report_path})")
    if code == pytest.ExitCode.INTERRUPTED:
        print(f"conformance: error: the run stopped early; the report is {report_path}", flush=True)
        return 2
    return 1 if summary["failed"] or summary["error"] else 0


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
