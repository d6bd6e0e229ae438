"""Every setting follows one precedence, flag > ``[tool.conformance]`` > ``CONFORMANCE_<KEY>`` >
default, under ``conformance run`` and plain pytest alike: one test per source, each setting
also given by every source below it, so the source tested is seen to win.

The plugin prints what it resolved in pytest's header (``conformance: backend=...``), the
settings the fixtures use; a collect-only run shows it without judging anything."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.config import DEFAULTS
from conformance.plugin import SUITE_DIR

from .cassettes.test_record_replay import clean_env

SOURCES = ("default", "environment", "pyproject", "flag")


@pytest.fixture
def listening():
    """Three loopback ports with a listener each: `conformance run` checks that an endpoint
    is reachable before it starts; nothing is sent to them (collect-only)."""
    socks = []
    for _ in range(3):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        socks.append(sock)
    yield [f"http://127.0.0.1:{s.getsockname()[1]}" for s in socks]
    for sock in socks:
        sock.close()


def source_values(urls: list[str]) -> dict[str, dict[str, object]]:
    """source -> a value of every setting, valid together and different between sources."""
    env_url, project_url, flag_url = urls
    return {
        "environment": dict(backend="server", endpoint_url=env_url, region="eu-west-1",
                            record_mode="new_episodes", report_dir="r-env", cassette_dir="c-env",
                            max_attempts=2, read_timeout=11.0, poll_budget=21.0, max_live_jobs=4),
        # aws recording against a loopback endpoint: an emulator, no credentials needed
        "pyproject": dict(backend="aws", endpoint_url=project_url, region="eu-central-1",
                          record_mode="once", report_dir="r-project", cassette_dir="c-project",
                          max_attempts=3, read_timeout=12.0, poll_budget=22.0, max_live_jobs=5),
        "flag": dict(backend="server", endpoint_url=flag_url, region="ap-south-1",
                     record_mode="all", report_dir="r-flag", cassette_dir="c-flag",
                     max_attempts=4, read_timeout=13.0, poll_budget=23.0, max_live_jobs=6),
    }


def _toml(value: object) -> str:
    return json.dumps(value)  # strings, ints and floats are the same in TOML


def setup_sources(work: Path, source: str, urls: list[str]) -> tuple[dict[str, str], list[str], dict]:
    """Write the sources up to ``source``; return (environment, flags, expected settings)."""
    values = source_values(urls)
    env = clean_env(work)
    flags: list[str] = []
    expected: dict[str, object] = dict(DEFAULTS)
    upto = SOURCES[1:SOURCES.index(source) + 1]
    if "environment" in upto:
        env.update({f"CONFORMANCE_{k.upper()}": str(v) for k, v in values["environment"].items()})
        expected = dict(values["environment"])
    if "pyproject" in upto:
        body = "\n".join(f"{k} = {_toml(v)}" for k, v in values["pyproject"].items())
        (work / "pyproject.toml").write_text(f"[tool.conformance]\n{body}\n")
        expected = dict(values["pyproject"])
    if "flag" in upto:
        for key, value in values["flag"].items():
            flags += [f"--{key.replace('_', '-')}", str(value)]
        expected = dict(values["flag"])
    return env, flags, expected


def header(stdout: str) -> dict[str, str]:
    lines = [line for line in stdout.splitlines() if line.startswith("conformance: backend=")]
    assert len(lines) == 1, stdout[-3000:]
    return dict(item.split("=", 1) for item in lines[0][len("conformance: "):].split())


@pytest.mark.parametrize("source", SOURCES)
def test_plain_pytest_honours(source, tmp_path, listening):
    env, flags, expected = setup_sources(tmp_path, source, listening)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE_DIR), "-c", str(SUITE_DIR / "pytest.ini"),
         "--rootdir", str(tmp_path), "--collect-only", *flags],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert header(proc.stdout) == {k: str(v) for k, v in expected.items()}


@pytest.mark.parametrize("source", SOURCES)
def test_conformance_run_honours(source, tmp_path, listening):
    env, flags, expected = setup_sources(tmp_path, source, listening)
    flags = ["--output" if f == "--report-dir" else f for f in flags]  # run's name for it
    expected["report_dir"] = expected["report_dir"] or "reports/latest"  # run's default
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", *flags, "--", "--collect-only"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert header(proc.stdout) == {k: str(v) for k, v in expected.items()}, proc.stderr[-3000:]
    # The report goes where the settings say; it judged nothing (collect-only): exit 2.
    assert (tmp_path / str(expected["report_dir"]) / "report.json").is_file()
    assert proc.returncode == 2 and "nothing was judged" in proc.stderr, proc.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("source", ["pyproject", "environment"])
def test_conformance_run_goes_to_the_configured_backend(source, tmp_path):
    """The reported case: backend = "server" in pyproject.toml (or CONFORMANCE_BACKEND)
    without --backend runs against the embedded moto server, not moto in-process."""
    env = clean_env(tmp_path)
    if source == "pyproject":
        (tmp_path / "pyproject.toml").write_text('[tool.conformance]\nbackend = "server"\n')
    else:
        env["CONFORMANCE_BACKEND"] = "server"
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--profile", "ci", "-q", "--", "-k",
         "test_arn_names_job"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    report = json.loads((tmp_path / "reports/latest/report.json").read_text())
    assert report["backend"]["kind"] == "server", proc.stdout[-3000:] + proc.stderr[-3000:]
    arn = {r["id"]: r["outcome"] for r in report["results"] if r["check"] == "arn-names-job"}
    assert arn and set(arn.values()) == {"passed"}, arn
    # run-wide clauses judge these tests' exchanges too; moto's findings among them decide the code
    failed = [r["id"] for r in report["results"] if r["outcome"] == "failed"]
    assert proc.returncode == (1 if failed else 0), proc.stdout[-3000:] + proc.stderr[-3000:]
