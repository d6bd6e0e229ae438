"""The suite is safe on a shared backend: it never touches a job it did not make, it cleans
up after itself, and pytest-xdist workers do not see each other's jobs.

Each test runs ``conformance run`` in a subprocess (as a user would) against moto's server,
started here, in this process, so the test can also look at what the server has stored.

moto keeps its jobs in process-wide state shared by every moto server in the process (see
conformance/faults/upstream.py), so each server here starts and ends with moto's own reset
(``POST /moto-api/reset``): a job another test of this process left behind would otherwise
count as foreign here, or one left here would count against a later test.

A known moto finding shapes the listing checks: a model-valid Create with a TargetPlatform
without the optional Accelerator is stored, and from then on every ListCompilationJobs of that
server answers HTTP 500 (``KeyError: 'Accelerator'`` while moto builds the summaries). Cleanup
still deletes such a job by the name it recorded as it sent the Create. (The suite never sends a nameless
Create, which moto would store under the key None, out of any Delete's reach; the tests below
still count such keys apart from named jobs.)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

from conformance.backends import moto_server
from conformance.scenarios import FOUNDING_CREATE

from .test_end_to_end import assert_complete, by_id, run

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, the one dummy credentials map to
#: A run's name prefix as conformance.session.run_prefix makes it: cf-<6 hex>[w<worker>].
RUN_PREFIX = re.compile(r"\bcf-[0-9a-f]{6}(?:w\d+)?(?=-)")


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


@contextlib.contextmanager
def fresh_server() -> Iterator[str]:
    with moto_server() as url:
        _reset(url)
        try:
            yield url
        finally:
            _reset(url)


def _client(url: str) -> Any:
    return boto3.session.Session().client(
        "sagemaker", endpoint_url=url, region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def _stored_keys() -> list[Any]:
    """The keys of the jobs moto's server holds (the server runs in this process)."""
    from moto.sagemaker.models import sagemaker_backends

    return list(sagemaker_backends[ACCOUNT][REGION].compilation_jobs)


def _list_unfiltered(client: Any) -> list[dict]:
    summaries, token = [], None
    for _ in range(50):
        page = client.list_compilation_jobs(MaxResults=100, **({"NextToken": token} if token else {}))
        summaries += page["CompilationJobSummaries"]
        token = page.get("NextToken")
        if not token:
            return summaries
    raise AssertionError("ListCompilationJobs never ended its pagination")


def _state(client: Any, name: str) -> dict:
    described = client.describe_compilation_job(CompilationJobName=name)
    described.pop("ResponseMetadata")
    tags = client.list_tags(ResourceArn=described["CompilationJobArn"])["Tags"]
    return {"describe": described, "tags": tags}


def _outcomes(report: dict) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in report["results"]}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    """The report of a plain run (no xdist, no foreign jobs) against a fresh moto server."""
    where = tmp_path_factory.mktemp("baseline")
    with fresh_server() as url:
        proc, report = run(where, "--backend", "server", "--endpoint-url", url)
        assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
        assert not [k for k in _stored_keys() if isinstance(k, str)], "the plain run left named jobs behind"
    assert_complete(report)
    return report


@pytest.mark.slow
def test_foreign_jobs_survive_a_run(tmp_path, baseline):
    tag = uuid.uuid4().hex[:6]
    # Not the suite's: a plain name, one with "cf-" (and a run-prefix look-alike) inside, so
    # a cleanup that deleted by NameContains="cf-" would catch it, and one that begins with
    # "cf" but not "cf-". All match the name pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$.
    foreign = [f"foreign-{tag}", f"foreign-cf-{tag}-1", f"cfforeign-{tag}"]
    with fresh_server() as url:
        client = _client(url)
        for i, name in enumerate(foreign):
            client.create_compilation_job(
                **FOUNDING_CREATE, CompilationJobName=name,
                Tags=[{"Key": "owner", "Value": "someone-else"}, {"Key": "n", "Value": str(i)}],
            )
        before = {name: _state(client, name) for name in foreign}
        assert {s["CompilationJobName"] for s in _list_unfiltered(client)} == set(foreign)

        proc, report = run(tmp_path, "--backend", "server", "--endpoint-url", url)
        assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]

        # Every foreign job is untouched: the whole Describe (status, times, ARN, ...) and tags.
        assert {name: _state(client, name) for name in foreign} == before
        summaries = _list_unfiltered(client)
        listed = [s.get("CompilationJobName") for s in summaries]
        assert set(foreign) <= set(listed)
        for s in summaries:
            if s.get("CompilationJobName") in foreign:
                d = before[s["CompilationJobName"]]["describe"]
                assert (s["CompilationJobArn"], s["CompilationJobStatus"], s["CreationTime"]) == (
                    d["CompilationJobArn"], d["CompilationJobStatus"], d["CreationTime"])
        # Cleanup worked: none of the suite's named jobs is left, in the listing or in moto.
        assert not [n for n in listed if n and n.startswith("cf-")]
        stored = _stored_keys()
        assert sorted(k for k in stored if isinstance(k, str)) == sorted(foreign)
        # What is left besides: only the nameless job(s) moto stored for the invalid-input
        # check's Create without a name (see the module docstring); no cleanup can reach them.
        assert all(k is None for k in stored if not isinstance(k, str))
        assert listed.count(None) == len(stored) - len(foreign)

    assert_complete(report)
    # The foreign jobs cost the suite no verdict: nothing that passes without them fails.
    plain, crowded = _outcomes(baseline), _outcomes(report)
    assert set(crowded) == set(plain)
    assert not [i for i, outcome in plain.items() if outcome == "passed" and crowded[i] != "passed"]


def _prefixes(result: dict) -> set[str]:
    return set(RUN_PREFIX.findall(json.dumps(result)))


@pytest.mark.slow
def test_xdist_workers_share_a_server_safely(tmp_path, baseline):
    with fresh_server() as url:
        proc, report = run(tmp_path, "--backend", "server", "--endpoint-url", url, "-n", "2")
        assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
        assert not [k for k in _stored_keys() if isinstance(k, str)], "the workers left named jobs behind"
    assert_complete(report)

    # The report the controller writes holds every result of both workers, once.
    plain, parallel = _outcomes(baseline), _outcomes(report)
    assert set(parallel) == set(plain)
    assert report["summary"] == {k: list(parallel.values()).count(k) for k in report["summary"]}
    # Same verdicts as the plain run. The one allowance: once the first job moto cannot list
    # is stored, every filtered ListCompilationJobs answers HTTP 500 (module docstring), and
    # under xdist when that happens relative to a List check of the other worker is up to
    # scheduling; a List result may differ only where one of the two runs saw that 500.
    plain_by_id, parallel_by_id = by_id(baseline), by_id(report)
    differing = sorted(i for i in plain if plain[i] != parallel[i])
    unexplained = [
        i for i in differing
        if not (i.startswith("ListCompilationJobs/")
                and any("HTTP 500" in (r[i]["message"] or "") for r in (plain_by_id, parallel_by_id)))
    ]
    assert not unexplained, {i: (plain_by_id[i], parallel_by_id[i]) for i in unexplained}

    # Each worker ran under a prefix of its own and no result speaks of the other's jobs.
    seen = set().union(*(_prefixes(r) for r in report["results"]))
    assert len(seen) == 2 and {p[-2:] for p in seen} == {"w0", "w1"}, seen
    mixed = {r["id"]: _prefixes(r) for r in report["results"] if len(_prefixes(r)) > 1}
    assert not mixed


@pytest.mark.slow
def test_ctrl_c_cleans_up_and_keeps_a_partial_report(tmp_path):
    """SIGINT (Ctrl-C) in the middle of a run: the run's jobs are deleted all the same, the
    results finished so far are in a report that says it is partial, and the exit code is 2,
    never 0 (a gate must not read a cut-short run as green)."""
    out = tmp_path / "out"
    with fresh_server() as url:
        proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", "run", "--profile", "ci", "--backend", "server",
             "--endpoint-url", url, "--output", str(out), "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        deadline = time.monotonic() + 300
        # Interrupt once a few tests have finished and the run holds jobs of its own.
        while time.monotonic() < deadline and proc.poll() is None:
            named = [k for k in _stored_keys() if isinstance(k, str) and RUN_PREFIX.match(k)]
            if len(named) >= 10:  # early: under load a later moment can fall in the final cleanup
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 2, stdout[-2000:] + stderr[-2000:]
        assert "interrupted" in stdout + stderr
        assert not [k for k in _stored_keys() if isinstance(k, str)], "the interrupted run left named jobs behind"
    report = json.loads((out / "report.json").read_text())
    assert report["interrupted"] is True
    assert report["results"], "the results finished before the interrupt were lost"
    assert "Interrupted" in (out / "report.md").read_text()


_LINELESS_INTERRUPT = '''
import sys, types
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # A position past the frame's code has no line number, as Python 3.11 gives a Ctrl-C
    # that lands on an instruction without one.
    lost = types.TracebackType(None, sys._getframe(), 10**6, -1)
    raise KeyboardInterrupt().with_traceback(lost)
'''


def test_ctrl_c_on_an_instruction_without_a_line_is_still_an_interrupt(tmp_path):
    """A Ctrl-C whose traceback has an entry without a line number (seen in CI on Python 3.11)
    made pytest's terminal raise a TypeError: the run ended with exit 1 and a report that did not
    say it was partial. It must end as every interrupt does: exit 2, a report marked partial."""
    (tmp_path / "lineless_interrupt.py").write_text(_LINELESS_INTERRUPT)
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--output", "out", "-q",
         "--", "-k", "test_founding", "-p", "lineless_interrupt"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "TypeError" not in proc.stdout + proc.stderr
    assert "interrupted" in proc.stderr + proc.stdout
    assert json.loads((tmp_path / "out" / "report.json").read_text())["interrupted"] is True
