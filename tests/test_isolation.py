"""Isolation: a job whose presence breaks every later listing is found, reported once with the
Create request that made it, and kept out of the backend, so the listing is judged without it.

moto 5.2 has exactly that defect (a TargetPlatform without Accelerator makes every later
ListCompilationJobs raise ``KeyError: 'Accelerator'``); a job with a TargetDevice does not."""

from __future__ import annotations

import copy

import pytest

from conformance.checks.clauses import ISOLATION_ID, isolation_result
from conformance.errors import Blocked
from conformance.scenarios import FOUNDING_CREATE, value_create


@pytest.fixture
def session(moto_session):
    return moto_session


def _platform_without_accelerator() -> dict:
    request = copy.deepcopy(FOUNDING_CREATE)
    request["OutputConfig"].pop("TargetDevice")
    request["OutputConfig"]["TargetPlatform"] = {"Os": "LINUX", "Arch": "X86_64"}
    return request


def test_a_job_that_breaks_the_listing_is_found_removed_and_reported_once(session):
    good, _ = session.send_create(FOUNDING_CREATE, hint="good")
    session.current_test = "CreateCompilationJob/accepted/OutputConfig.TargetPlatform.Os=LINUX"
    bad, created = session.send_create(_platform_without_accelerator(), hint="bad")
    assert created.ok  # moto accepts it: the defect is what it does to later calls
    listed = session.call("ListCompilationJobs", {"NameContains": session.prefix})
    assert listed.ok, listed.describe()  # judged without the job that broke it
    names = [s["CompilationJobName"] for s in listed.parsed["CompilationJobSummaries"]]
    assert names == [good["CompilationJobName"]]
    with pytest.raises(Blocked) as blocked:
        session.call("DescribeCompilationJob", {"CompilationJobName": bad["CompilationJobName"]})
    assert blocked.value.blocked_by == ISOLATION_ID

    result = isolation_result([session.isolation_state()])
    assert result["outcome"] == "failed"
    assert result["example"]["request"]["OutputConfig"]["TargetPlatform"] == {"Os": "LINUX", "Arch": "X86_64"}
    assert "created by CreateCompilationJob/accepted/OutputConfig.TargetPlatform.Os=LINUX" in result["message"]
    assert bad["CompilationJobName"] in result["message"] and good["CompilationJobName"] not in result["message"]


def test_jobs_that_leave_the_listing_working_pass(session):
    for device in ("amba_cv25", "ml_c5"):
        session.send_create(value_create("OutputConfig.TargetDevice", device), hint=device)
    state = session.isolation_state()
    assert state["probes"] >= 2 and not state["quarantined"]
    assert isolation_result([state])["outcome"] == "passed"


def test_a_listing_broken_whatever_jobs_exist_is_not_blamed_on_a_job(session):
    real = session.caller.call

    def call(operation, request=None, **kw):
        exchange = real(operation, request, **kw)
        if operation == "ListCompilationJobs":
            import dataclasses

            return dataclasses.replace(exchange, status=500, parsed=None, error_code="InternalFailure")
        return exchange

    session.caller.call = call  # type: ignore[method-assign]
    session.send_create(FOUNDING_CREATE, hint="a")
    session.send_create(FOUNDING_CREATE, hint="b")
    state = session.isolation_state()
    result = isolation_result([state])
    assert result["outcome"] == "skipped" and "whatever jobs exist" in result["message"]
    assert state["probes"] == 3  # two looks, one after the delete; then no more probing


def test_another_workers_listing_inside_a_culprits_window_is_set_aside(moto_session):
    """Under xdist each worker isolates its own jobs, but a listing whose filter reaches another
    worker's jobs builds their summaries too (seen in a throttled ``-n 2`` run on one server):
    worker 1's ListCompilationJobs, answered while worker 0's culprit existed, got its 500. That answer is isolation's finding, reported once; it must not fail
    ``ListCompilationJobs/no-server-error/every-exchange`` too. A 500 outside every window still
    does (the same merge, without the window)."""
    from conformance.checks.clauses import (
        JUDGED,
        WireClauses,
        culprit_windows,
        merge,
        results,
    )
    from conformance.session import RunSession

    worker0 = moto_session
    worker1 = RunSession(worker0.backend, prefix=worker0.prefix + "w1")
    wire0, wire1 = WireClauses(JUDGED), WireClauses(JUDGED)
    worker0.caller.observers.append(wire0)
    worker1.caller.observers.append(wire1)
    probe = worker0._probe
    raced = []

    def probe_while_the_other_lists(name=None):
        if not raced:  # the culprit exists: worker 1 lists now, between worker 0's probes,
            # with the empty NameContains its NameContains:pattern clause draws (moto then
            # lists every job, the other worker's too)
            raced.append(worker1.call("ListCompilationJobs", {"NameContains": ""}))
        return probe(name)

    worker0._probe = probe_while_the_other_lists  # type: ignore[method-assign]
    worker0.send_create(_platform_without_accelerator(), hint="bad")
    assert raced and not raced[0].ok, raced
    assert worker1.call("ListCompilationJobs", {"NameContains": worker1.prefix}).ok  # the culprit is gone
    states = [{"wire": wire0.state(), "isolation": worker0.isolation_state()},
              {"wire": wire1.state(), "isolation": worker1.isolation_state()}]
    rid = "ListCompilationJobs/no-server-error/every-exchange"

    windows = culprit_windows(s["isolation"] for s in states)
    assert len(windows) == 1
    judged = {r["id"]: r for r in results(merge((s["wire"] for s in states), windows))}
    assert judged[rid]["outcome"] == "passed", judged[rid]
    assert "1 exchange(s) set aside" in judged[rid]["message"] and windows[0][0] in judged[rid]["message"]
    assert isolation_result([s["isolation"] for s in states])["outcome"] == "failed"

    unexplained = {r["id"]: r for r in results(merge(s["wire"] for s in states))}
    assert unexplained[rid]["outcome"] == "failed"
    assert "Accelerator" in unexplained[rid]["message"]
    alone = {r["id"]: r for r in results(wire1.state())}  # a state judged unmerged (the sweep's)
    assert alone[rid]["outcome"] == "failed"
