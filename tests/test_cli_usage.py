"""Bad input to the tool: one line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

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
