"""Calls a module-scoped fixture makes are recorded in a cassette of that fixture, so any one of
the tests that share it replays alone."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from conformance.backends import moto_server

from .test_record_replay import clean_env

MODULE = '''
import pytest
from conformance.scenarios import FOUNDING_CREATE, setup_job

@pytest.fixture(scope="module")
def job(conformance_session):
    sent, _ = setup_job(conformance_session, FOUNDING_CREATE, hint="shared")
    return sent["CompilationJobName"]

@pytest.mark.conformance(operation="DescribeCompilationJob", check="accepted", case="a")
def test_a(conformance_session, job):
    assert conformance_session.call("DescribeCompilationJob", {"CompilationJobName": job}).ok

@pytest.mark.conformance(operation="DescribeCompilationJob", check="accepted", case="b")
def test_b(conformance_session, job):
    assert conformance_session.call("DescribeCompilationJob", {"CompilationJobName": job}).ok
'''


def test_module_fixture_calls_replay_for_any_test(tmp_path):
    (tmp_path / "test_shared.py").write_text(MODULE)
    env = {**clean_env(tmp_path), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "CONFORMANCE_RECORDED_AGAINST": "moto-server"}
    base = [sys.executable, "-m", "pytest", "test_shared.py", "--rootdir", str(tmp_path), "--backend", "aws",
            "--cassette-dir", "c", "-q", "-p", "no:cacheprovider"]
    with moto_server() as url:
        live = subprocess.run(base + ["--endpoint-url", url, "--record-mode", "all"],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert "2 passed" in live.stdout, live.stdout[-2000:]
    assert (tmp_path / "c/_fixtures/test_shared.job.yaml").is_file()
    alone = subprocess.run(base + ["-k", "test_b", "--block-network"], capture_output=True, text=True,
                           env=clean_env(tmp_path), cwd=tmp_path, timeout=300)
    assert "1 passed" in alone.stdout, alone.stdout[-2000:]

    # The fixture's cassette lacks its Create now: every test that needs the fixture is skipped
    # as stale, naming that cassette (pytest re-raises the fixture's skip for the second test).
    fixture = tmp_path / "c/_fixtures/test_shared.job.yaml"
    data = yaml.safe_load(fixture.read_text())
    data["interactions"] = []
    fixture.write_text(yaml.safe_dump(data))
    stale = subprocess.run(base + ["--block-network", "--report-dir", "out"], capture_output=True, text=True,
                           env=clean_env(tmp_path), cwd=tmp_path, timeout=300)
    results = json.loads((tmp_path / "out" / "report.json").read_text())["results"]
    marked = {r["id"]: r.get("stale_cassette") for r in results if r["check"] == "accepted"}
    assert marked == {f"DescribeCompilationJob/accepted/{case}": "c/_fixtures/test_shared.job.yaml"
                      for case in "ab"}, stale.stdout[-2000:]
