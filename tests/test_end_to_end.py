"""`conformance run` end to end, as a user runs it: a subprocess, a report on disk."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from conformance.backends import moto_server
from conformance.model import OPERATIONS
from conformance.reports import SCHEMA_PATH


def run(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--profile", "ci", "--output", str(out), "-q", *args],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert (out / "report.json").exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert (out / "report.md").read_text().startswith("# Conformance")
    return proc, report


def assert_complete(report: dict) -> None:
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert {r["operation"] for r in report["results"]} >= set(OPERATIONS)
    ids = [r["id"] for r in report["results"]]
    assert len(ids) == len(set(ids))
    assert all(r["id"].startswith(f"{r['operation']}/{r['check']}/") for r in report["results"])
    assert all(r.get("basis") for r in report["results"])
    assert sum(report["summary"].values()) == len(report["results"])


def by_id(report: dict) -> dict[str, dict]:
    return {r["id"]: r for r in report["results"]}


@pytest.mark.slow
def test_run_on_moto_reports_findings(tmp_path):
    proc, report = run(tmp_path)
    assert_complete(report)
    assert report["backend"]["kind"] == "moto"
    results = by_id(report)
    # moto does not implement StopCompilationJob: a finding, reported as a failed check.
    stop = results["StopCompilationJob/no-server-error/every-exchange"]
    assert stop["outcome"] == "failed"
    assert "NotImplementedError" in stop["message"]
    assert stop["example"]["request"]["CompilationJobName"]
    # The founding example passes on moto.
    assert results["DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc"]["outcome"] == "passed"
    assert results["CreateCompilationJob/accepted/2021-06-28-amba_cv25-vpc"]["outcome"] == "passed"
    assert proc.returncode == 1


@pytest.mark.slow
def test_run_on_embedded_server(tmp_path):
    proc, report = run(tmp_path, "--backend", "server")
    assert_complete(report)
    assert report["backend"] == {"kind": "server", "endpoint": None, "record_mode": None}
    stop = by_id(report)["StopCompilationJob/no-server-error/every-exchange"]
    assert stop["outcome"] == "failed" and "HTTP 500" in stop["message"]
    assert proc.returncode == 1


@pytest.mark.slow
def test_run_on_user_started_emulator(tmp_path):
    with moto_server() as url:
        proc, report = run(tmp_path, "--backend", "server", "--endpoint-url", url)
    assert_complete(report)
    assert report["backend"]["endpoint"] == url
    # The emulator is moto's server: its findings (Stop not implemented) make the run exit 1.
    stop = by_id(report)["StopCompilationJob/no-server-error/every-exchange"]
    assert stop["outcome"] == "failed" and "HTTP 500" in stop["message"]
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
