"""Bad input to the tool: one line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import re

import subprocess
import sys

import pytest

from conformance.backends import free_port
from conformance.cli import main


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["run", "--backend", "nope"], "unknown backend 'nope'"),
        (["run", "--profile", "fast"], "unknown profile 'fast'"),
        (["run", "--backend", "moto", "--endpoint-url", "http://127.0.0.1:9"], "needs --backend server"),
        (["run", "--backend", "server", "--endpoint-url", "ftp://x"], "is not an http(s) URL"),
        (["run", "--backend", "aws", "--record-mode", "sometimes"], "unknown record mode"),
        (["run", "--no-such-flag"], "unrecognized arguments"),
        (["run", "--poll-budget", "-1"], "--poll-budget must not be negative"),
        (["run", "--poll-budget", "soon"], "invalid float value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_unreachable_endpoint_is_a_usage_error(capsys):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert main(["run", "--backend", "server", "--endpoint-url", url]) == 2
    err = capsys.readouterr().err
    assert f"endpoint {url} is unreachable" in err
    assert len(err.strip().splitlines()) == 1


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "conformance", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith("conformance ")


def test_pytest_usage_error_for_bad_endpoint(pytester_run):
    proc = pytester_run("--backend", "server", "--endpoint-url", "not a url")
    assert proc.returncode == 4  # pytest's own usage-error code
    assert "is not an http(s) URL" in proc.stderr


def _cassette_folder(tmp_path, layout: str):
    folder = tmp_path / "recorded"
    if layout != "missing":
        folder.mkdir()
    if layout == "unrelated":  # a valid cassette no test of the suite uses
        (folder / "elsewhere.yaml").write_text("interactions: []\nversion: 1\n")
    return folder


@pytest.mark.parametrize("layout,why", [("missing", "does not exist"), ("empty", "holds no cassettes")])
def test_replay_without_cassettes_is_one_line_and_exit_2(tmp_path, layout, why, capsys, pytester_run):
    folder = _cassette_folder(tmp_path, layout)

    def expected(shown):  # the folder as given, or relative to pytest's rootdir
        return (f"cassette folder {shown} {why}, nothing to replay: record it with "
                f"`conformance run --backend aws --record-mode once --cassette-dir {shown}`")

    assert main(["run", "--backend", "aws", "--cassette-dir", str(folder),
                 "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert expected(folder) in err and len(err.splitlines()) == 1, err
    proc = pytester_run("--backend", "aws", "--cassette-dir", str(folder))  # rootdir: tmp_path
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert expected("recorded") in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_run_that_judged_nothing_is_exit_2(tmp_path, pytester_run):
    """Cassettes, but none for these tests: every result is skipped. Not green."""
    folder = _cassette_folder(tmp_path, "unrelated")
    args = ("--backend", "aws", "--cassette-dir", str(folder))
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", *args, "--output", str(tmp_path / "out"),
                           "-q", "--", "-k", "test_founding"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert re.search(r"conformance: error: nothing was judged: all \d+ results were skipped", proc.stderr), proc.stderr
    plain = pytester_run(*args, "-k", "test_founding")
    assert plain.returncode == 2, plain.stdout[-2000:] + plain.stderr[-2000:]
    assert "nothing was judged: all 3 conformance results were skipped" in plain.stdout
