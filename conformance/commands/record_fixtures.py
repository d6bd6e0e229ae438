"""``conformance record-fixtures``: (re)record the shipped cassettes against moto's server.

One command for the whole suite: it starts moto's server on a free loopback port, runs the suite
as ``--backend aws --record-mode rewrite`` through it with throwaway credentials, and labels every
cassette it writes ``recorded_against: moto-server``; each cassette holds the test's Hypothesis
draws next to its interactions (:mod:`conformance.cassettes.replay`), so the shipped cassettes
replay with whatever versions a user installs. Replaying them (``conformance run --backend
aws``) then needs neither a server nor a network. Recording against the real API is
``conformance run --backend aws --record-mode once`` with an account configured (README).
``--sweep`` records the sweep's cassettes instead (one per resource family, ``sweep/``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

from ..errors import UsageError

#: Throwaway credentials for moto's server; the real ones, if any, are never read.
_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "CONFORMANCE_RECORDED_AGAINST": "moto-server",
}
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cassette-dir", default="cassettes", metavar="DIR",
                        help="where the cassettes go (default cassettes/)")
    parser.add_argument("--output", default="reports/latest/recording", metavar="DIR",
                        help="where the recording run's report goes (default reports/latest/recording)")
    parser.add_argument("--prune", action="store_true",
                        help="delete cassettes of tests that no longer exist (full runs only)")
    parser.add_argument("--sweep", action="store_true",
                        help="record the sweep's cassettes (sweep/<Family>.yaml, every family, costly ones "
                             "too: moto's server costs nothing) instead of the suite's")
    parser.add_argument("--family", action="append", default=None, metavar="FAMILY",
                        help="with --sweep: only this family (repeatable)")
    parser.add_argument("-n", "--workers", default=None, help="pytest-xdist workers")
    parser.add_argument("-q", "--quiet", action="store_true", help="less pytest output")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                        help="after --, extra arguments for pytest (e.g. -- -k founding)")


@contextlib.contextmanager
def _environment() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in (*_ENV, *_CLEARED)}
    os.environ.update(_ENV)
    for key in _CLEARED:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _record(command: Any, options: argparse.Namespace) -> dict[str, Any] | None:
    """Run ``command`` (run's or sweep's main) recording against moto's embedded server with
    throwaway credentials; the report's ``cassettes`` section, or None when it exited 2."""
    from ..backends import moto_server

    with moto_server() as url, _environment():
        options.endpoint_url = url
        if command(options) == 2:
            return None
    report = json.loads((Path(options.output) / "report.json").read_text(encoding="utf-8"))
    return report.get("cassettes") or {}


def main(args: argparse.Namespace) -> int:
    from .. import cassettes
    from . import run

    directory = Path(args.cassette_dir)
    cassettes.validate_dir(directory)
    extra = [a for a in args.pytest_args if a != "--"]
    if args.sweep or args.family:
        return record_sweep(args, extra)
    if args.prune and extra:
        raise UsageError("--prune needs a full run (no extra pytest arguments)")
    run_args = argparse.Namespace(
        backend="aws", region=None, record_mode="rewrite", cassette_dir=str(directory),
        output=args.output, profile="ci", workers=args.workers, quiet=args.quiet,
        pytest_args=extra, endpoint_url=None,
    )
    section = _record(run.main, run_args)
    if section is None:
        return 2
    print(f"conformance: recorded {section.get('recorded', 0)} cassettes against moto-server in "
          f"{directory} ({section.get('used', 0)} tests used one), format {cassettes.replay.FORMAT} (each "
          f"test's Hypothesis draws stored: they replay with any Hypothesis or botocore); the verdicts are "
          f"in {args.output}")
    if args.prune:
        nodeids = collect_nodeids(run.SUITE_DIR)
        for name in cassettes.coverage(directory, nodeids)["orphaned"]:
            (directory / f"{name}{cassettes.SUFFIX}").unlink()
            print(f"conformance: pruned {name}{cassettes.SUFFIX}")
    return 0


def record_sweep(args: argparse.Namespace, pytest_args: list[str]) -> int:
    """``conformance sweep --backend aws --record-mode rewrite`` through moto's server: one
    cassette per family, labelled ``recorded_against: moto-server``, with the sweep's draws.
    A flag of record-fixtures rather than part of every recording: the two are independent and
    each takes minutes, so one re-records what changed (README)."""
    from ..cassettes.replay import FORMAT
    from . import sweep

    if args.prune or pytest_args:
        raise UsageError("--sweep records the sweep's cassettes: --prune and pytest arguments are the suite's")
    sweep_args = argparse.Namespace(
        backend="aws", endpoint_url=None, region="us-east-1", output=args.output, family=args.family,
        check=None, poll_budget=60.0, record_mode="rewrite", cassette_dir=args.cassette_dir,
        # moto's server answers the same on every attempt (a bare 500 for what it lacks), and a
        # replay sends each call once: retries would only add backoff and dead interactions
        max_attempts=1)
    section = _record(sweep.main, sweep_args)
    if section is None:
        return 2
    print(f"conformance: recorded {section.get('recorded', 0)} sweep cassettes against moto-server in "
          f"{Path(args.cassette_dir) / 'sweep'}, format {FORMAT} "
          f"(each family's simplest() draws stored); the verdicts are in {args.output}")
    return 0


def collect_nodeids(suite: Path, *extra: str) -> list[str]:
    """Node ids of the suite's tests as ``--backend aws`` selects them (a subprocess, so the
    suite's modules are not imported into this process twice)."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(suite), "-c", str(suite / "pytest.ini"),
         "--rootdir", str(Path.cwd()), "--backend", "aws", "--collect-only", "-q",
         "-p", "no:cacheprovider", *extra],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode not in (0, 5):
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["(no output)"]
        raise UsageError(f"collecting the suite failed: {tail[0]}")
    return [line.strip() for line in proc.stdout.splitlines() if "::" in line and not line.startswith(" ")]
