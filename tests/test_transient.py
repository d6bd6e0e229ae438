"""Transient faults are not findings: the Caller retries what botocore's standard mode retries
(throttling, 5xx, resets, a timed-out call once), records every attempt, and keeps a
persistent answer at once; faults no SDK retries (a 200 that is not JSON) fail the wire
clause they break. Each behaviour is shown against moto's server behind the fault proxy with
exactly that fault (seeded, so the same calls meet the same faults on every run), and its
absence (no retries) shown to turn the same faults into failures."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.backends import Backend, BackendOptions
from conformance.checks.clauses import JUDGED, WireClauses, merge, results
from conformance.exchange import TIMEOUT_ATTEMPTS, Caller, RetryCounter
from conformance.faults import FaultProxy, Transient, moto_server, transient
from conformance.reports import load as load_report
from conformance.reports.gate import compare

LIST = "ListCompilationJobs"
DESCRIBE = "DescribeCompilationJob"
STOP = "StopCompilationJob"


@pytest.fixture(scope="module")
def upstream():
    with moto_server() as url:
        yield url


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """What is retried is under test here, not how long the backoff waits."""
    monkeypatch.setattr("conformance.exchange.EMULATOR_BACKOFF_SCALE", 0.01)


@pytest.fixture
def caller_behind(upstream):
    """``caller, proxy = caller_behind(defects, max_attempts=8, read_timeout=2.0)``: a Caller
    through a raw proxy (moto as it is, plus the given faults), counting retries."""
    opened: list[FaultProxy] = []

    def make(defects, *, max_attempts: int = 8, read_timeout: float = 2.0):
        proxy = FaultProxy(upstream, defects=defects, faithful=False).start()
        opened.append(proxy)
        options = BackendOptions(kind="server", endpoint=proxy.url, max_attempts=max_attempts,
                                 read_timeout=read_timeout)
        caller = Caller(Backend(options, endpoint=proxy.url).client())
        counter = RetryCounter()
        caller.observers.append(counter)
        caller.counter = counter
        return caller, proxy

    yield make
    for proxy in opened:
        proxy.close()
    for proxy in opened:
        assert not proxy.errors, proxy.errors


def _clauses(caller) -> dict[str, dict]:
    wire = next(o for o in caller.observers if isinstance(o, WireClauses))
    return {r["id"]: r for r in results(merge([wire.state()]))}


def test_throttling_5xx_and_resets_are_retried_until_answered(caller_behind):
    faults = transient("throttling=0.3,internal_failure=0.2,reset=0.1", seed=7)
    caller, proxy = caller_behind(faults)
    caller.observers.append(WireClauses(JUDGED))
    exchanges = [caller.call(LIST, {"MaxResults": 5}) for _ in range(30)]
    assert all(e.status == 200 for e in exchanges), [e.describe() for e in exchanges if not e.ok]
    seen = {(a["status"], a["error_code"]) for e in exchanges for a in e.retried}
    assert {(400, "ThrottlingException"), (500, "InternalFailure")} <= seen
    assert any(a["transport_error"] for e in exchanges for a in e.retried)  # a reset
    counted = caller.counter.state()[LIST]
    assert counted["exchanges"] == 30 and counted["retried"] == sum(bool(e.retried) for e in exchanges) > 5
    assert counted["retries"] == sum(len(e.retried) for e in exchanges)
    assert counted["retries"] == sum(proxy.states[f.name]["faults"] for f in faults)
    # A failure judged on a retried exchange says so in its example.
    retried = next(e for e in exchanges if e.retried)
    assert retried.example()["attempts"] == len(retried.retried) + 1
    # the wire clauses judge the answers kept: sound ones
    got = _clauses(caller)
    assert got[f"{LIST}/no-server-error/every-exchange"]["outcome"] == "passed"
    assert got[f"{LIST}/error-contract/every-4xx"]["outcome"] == "skipped"  # no throttle was kept


def test_without_retries_the_same_faults_are_failures(caller_behind):
    """The counter-proof: the same seeded faults with one attempt a call fail calls."""
    caller, _ = caller_behind(transient("throttling=0.3,internal_failure=0.2,reset=0.1", seed=7), max_attempts=1)
    caller.observers.append(WireClauses(JUDGED))
    exchanges = [caller.call(LIST, {"MaxResults": 5}) for _ in range(30)]
    assert sum(not e.ok for e in exchanges) > 5
    assert _clauses(caller)[f"{LIST}/no-server-error/every-exchange"]["outcome"] == "failed"


def test_a_persistent_500_stays_a_failure_and_is_not_waited_on(caller_behind):
    """moto's unimplemented StopCompilationJob answers 500 every time: the first call spends
    its budget, later ones keep the answer at once; the wire clause fails."""
    caller, _ = caller_behind(transient("throttling=0.3", seed=3))
    caller.observers.append(WireClauses(JUDGED))
    stops = [caller.call(STOP, {"CompilationJobName": "cf-missing"}) for _ in range(6)]
    assert [e.status for e in stops] == [500] * 6
    assert stops[0].attempts == 8
    # later calls keep the 500 at once (after a throttle or two, which are retried)
    assert all(all(a["error_code"] == "ThrottlingException" for a in e.retried) for e in stops[1:])
    assert _clauses(caller)[f"{STOP}/no-server-error/every-exchange"]["outcome"] == "failed"
    # a sound answer of another operation leaves Stop's persistence alone
    caller.call(LIST, {})
    assert caller.call(STOP, {"CompilationJobName": "cf-missing"}).attempts <= 2


def test_a_hang_costs_one_timeout_then_its_retry_and_the_breaker_blocks(caller_behind):
    hang = Transient("hang", 1.0, hang_s=5.0, operations=(DESCRIBE,))
    caller, _ = caller_behind([hang], read_timeout=0.5)
    caller.observers.append(WireClauses(JUDGED))
    first = caller.call(DESCRIBE, {"CompilationJobName": "cf-hang"})
    assert first.status is None and first.attempts == TIMEOUT_ATTEMPTS
    assert all(a["transport_error"].startswith("ReadTimeoutError") for a in first.retried)
    assert caller.call(LIST, {}).ok  # the breaker counts per operation
    second = caller.call(DESCRIBE, {"CompilationJobName": "cf-hang"})
    assert second.attempts == TIMEOUT_ATTEMPTS and not second.blocked
    third = caller.call(DESCRIBE, {"CompilationJobName": "cf-hang"})
    assert third.blocked and third.attempts == 1 and "not sent" in third.transport_error
    got = _clauses(caller)
    broken = got[f"{DESCRIBE}/no-server-error/every-exchange"]
    assert broken["outcome"] == "failed" and "ReadTimeoutError" in broken["message"]
    # what the breaker kept from being sent is judged by no wire clause
    wire = next(o for o in caller.observers if isinstance(o, WireClauses))
    assert wire.clauses[f"{DESCRIBE}/no-server-error/every-exchange"]["exercised"] == 2


def test_an_occasional_hang_is_retried_and_answered(caller_behind):
    hang = Transient("hang", 0.3, seed=1, hang_s=5.0, operations=(LIST,))
    caller, _ = caller_behind([hang], read_timeout=0.5)
    exchanges = [caller.call(LIST, {}) for _ in range(8)]
    assert any(e.ok and e.retried for e in exchanges)
    assert all(e.ok for e in exchanges)


@pytest.mark.parametrize("fault, clauses", [
    ("html_200", {"content-type/success", "response-shape/<output>:json"}),
    ("truncated_json", {"response-shape/<output>:json"}),
])
def test_a_corrupt_200_fails_the_wire_clause_that_broke_once(caller_behind, fault, clauses):
    """No SDK retries a 200: it fails the wire clause it broke, judged once; the sound answers
    of the other operations hold."""
    caller, _ = caller_behind([Transient(fault, 1.0, operations=(LIST,))])
    caller.observers.append(WireClauses(JUDGED))
    exchanges = [caller.call(LIST, {}) for _ in range(3)]
    assert [e.attempts for e in exchanges] == [1, 1, 1]
    caller.call(DESCRIBE, {"CompilationJobName": "cf-missing"})
    got = _clauses(caller)
    failed = {rid.split("/", 1)[1] for rid, r in got.items() if r["outcome"] == "failed" and rid.startswith(LIST)}
    assert failed == clauses
    assert got[f"{DESCRIBE}/error-contract/every-4xx"]["outcome"] == "passed"


def test_a_throttled_create_is_retried_by_the_caller_once_not_again_by_the_poller(upstream):
    """A Create's throttling is the Caller's, like every call's: retried within max_attempts
    and counted in ``retries``; one it still kept is the answer (the poller waits out only the
    job quota, ResourceLimitExceeded: tests/test_waiting.py), so the backend sees max_attempts
    Creates, not max_attempts per poller round."""
    from conformance.backends import open_backend
    from conformance.scenarios import FOUNDING_CREATE, setup_job
    from conformance.session import RunSession

    create = "CreateCompilationJob"
    faults = [Transient("throttling", 0.5, seed=2, operations=(create,))]
    with FaultProxy(upstream, defects=faults, faithful=False) as proxy, \
            open_backend(BackendOptions(kind="server", endpoint=proxy.url, max_attempts=8)) as backend:
        session = RunSession(backend)
        session.isolate = False
        made = [setup_job(session, FOUNDING_CREATE, hint="thr")[1] for _ in range(4)]
        assert any(e.retried for e in made)
        assert all(a["error_code"] == "ThrottlingException" for e in made for a in e.retried)
        assert sum(len(e.retried) for e in made) == proxy.states[faults[0].name]["faults"]
        stats = session.waiting.stats()
        assert stats["create_retries"] == {} and stats["create_retry_s"] == 0
        session.cleanup()
    always = [Transient("throttling", 1.0, operations=(create,))]
    with FaultProxy(upstream, defects=always, faithful=False) as proxy, \
            open_backend(BackendOptions(kind="server", endpoint=proxy.url, max_attempts=3)) as backend:
        session = RunSession(backend)
        _, kept = session.send_create(FOUNDING_CREATE, hint="thr")
        assert kept.error_code == "ThrottlingException" and kept.attempts == 3
        assert proxy.states[always[0].name]["calls"] == 3  # one layer of retries
        assert not session.created and not session.unsettled


def test_schemathesis_calls_are_retried_like_the_suite_s(upstream):
    from conformance.exchange import RetryPolicy
    from conformance.schemathesis_bridge import http_session

    faults = [Transient("throttling", 0.3, seed=5, operations=(LIST,)),
              Transient("internal_failure", 0.2, seed=6, operations=(LIST,))]
    with FaultProxy(upstream, defects=faults, faithful=False) as proxy:
        plain = http_session()
        assert any(plain.post(proxy.url + f"/{LIST}", data=b"{}").status_code != 200 for _ in range(10))
        retrying = http_session(retry=RetryPolicy(8, emulator=True))
        assert all(retrying.post(proxy.url + f"/{LIST}", data=b"{}").status_code == 200 for _ in range(10))
        # moto's Stop 500 persists: kept, a finding
        assert retrying.post(proxy.url + f"/{STOP}", data=b'{"CompilationJobName": "cf-x"}').status_code == 500


def test_transient_faults_are_seeded(upstream):
    def faulted(seed):
        with FaultProxy(upstream, defects=transient("throttling=0.5", seed=seed), faithful=False) as proxy:
            caller = Caller(Backend(BackendOptions(kind="server", endpoint=proxy.url, max_attempts=1),
                                    endpoint=proxy.url).client())
            return [caller.call(LIST, {}).status for _ in range(12)]

    assert faulted(1) == faulted(1) != faulted(2)


def test_a_flaky_result_is_listed_by_the_gate_not_a_regression():
    def report(outcome):
        return {"backend": {"kind": "server"}, "results": [
            {"id": "A/accepted/x", "operation": "A", "check": "accepted", "outcome": outcome}]}

    verdict = compare(report("passed"), report("flaky"))
    assert not verdict.failed and [r["id"] for r in verdict.flaky] == ["A/accepted/x"]
    assert compare(report("flaky"), report("failed")).failed  # flaky held once: failing now regresses


# --- the suite, narrowed, behind the proxy -------------------------------------------------


class FirstOnly(Transient):
    """The fault on the first call it applies to, never again: a transient corruption."""

    def _draw(self, state):
        with state.lock:
            state["calls"] = state.get("calls", 0) + 1
            state["faults"] = hit = int(state["calls"] == 1)
        return bool(hit)


def _suite(proxy_url: str, out, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--backend", "server", "--endpoint-url", proxy_url,
         "--profile", "ci", "--output", str(out), "-q", "--", "-p", "no:randomly", *args],
        capture_output=True, text=True, timeout=600)
    assert (out / "report.json").exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads((out / "report.json").read_text())


def _bad(report: dict) -> list[str]:
    return sorted(r["id"] for r in report["results"] if r["outcome"] in ("failed", "error"))


NARROW = "test_founding or test_missing"


@pytest.mark.slow
def test_the_suite_gives_the_fault_free_verdicts_under_transient_faults(upstream, tmp_path):
    """Throttling, 500s, resets and hangs at a rate: the same failed ids as without faults
    (moto's Stop 500 among them: a persistent fault stays a finding), retries reported."""
    with FaultProxy(upstream, faithful=False) as clean:
        reference = _suite(clean.url, tmp_path / "clean", "-k", NARROW)
    faults = transient("throttling=0.3,internal_failure=0.2,reset=0.1,hang=0.05", seed=18, hang_s=5.0)
    with FaultProxy(upstream, defects=faults, faithful=False) as faulty:
        report = _suite(faulty.url, tmp_path / "faulty", "-k", NARROW, "--read-timeout", "1")
        injected = sum(faulty.states[f.name].get("faults", 0) for f in faults)
    assert "StopCompilationJob/no-server-error/every-exchange" in _bad(reference)
    assert _bad(report) == _bad(reference)
    retries = sum(e["retries"] for e in report["retries"].values())
    assert injected > 5 and retries >= injected - 1  # every fault retried (the Stop 500s besides)
    assert report["max_attempts"] == 8


@pytest.mark.slow
def test_a_result_that_holds_when_run_again_is_flaky_a_persistent_one_failed(upstream, tmp_path):
    narrow = ("-k", "test_founding_describe and roundtrip")
    once = FirstOnly("truncated_json", 1.0, operations=(DESCRIBE,))
    with FaultProxy(upstream, defects=[once], faithful=False) as proxy:
        report = _suite(proxy.url, tmp_path / "once", *narrow)
    got = {r["id"]: r for r in report["results"]}
    flaky = got["DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc"]
    # report.json keeps the shared contract's outcomes: passed, with the flaky record
    assert flaky["outcome"] == "passed" and flaky["flaky"]["message"]
    assert flaky["message"].startswith("failed once, held when run again")
    assert flaky["example"]["operation"] == DESCRIBE and report["summary"]["flaky"] == 1
    assert load_report(tmp_path / "once" / "report.json")["results"][
        [r["id"] for r in report["results"]].index(flaky["id"])]["outcome"] == "flaky"  # as readers see it
    # the corrupt answer fails its wire clause, once
    assert got["DescribeCompilationJob/response-shape/<output>:json"]["outcome"] == "failed"
    always = Transient("truncated_json", 1.0, operations=(DESCRIBE,))
    with FaultProxy(upstream, defects=[always], faithful=False) as proxy:
        report = _suite(proxy.url, tmp_path / "always", *narrow)
    got = {r["id"]: r for r in report["results"]}
    assert got["DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc"]["outcome"] == "failed"
    assert "flaky" not in report["summary"]


@pytest.mark.slow
def test_what_the_breaker_keeps_from_being_sent_is_blocked_not_failed(upstream, tmp_path):
    hang = Transient("hang", 1.0, hang_s=5.0, operations=(DESCRIBE,))
    with FaultProxy(upstream, defects=[hang], faithful=False) as proxy:
        report = _suite(proxy.url, tmp_path / "hang", "-k", "test_founding or test_missing", "--read-timeout", "1")
    got = {r["id"]: r for r in report["results"]}
    timeouts = got["DescribeCompilationJob/no-server-error/every-exchange"]
    assert timeouts["outcome"] == "failed" and "ReadTimeoutError" in timeouts["message"]
    blocked = [r for r in got.values() if r.get("blocked_by") == "DescribeCompilationJob/no-server-error/every-exchange"]
    assert len(blocked) >= 3 and all(r["outcome"] == "skipped" for r in blocked)
    assert any("not sent" in r["message"] for r in blocked)  # the breaker tripped
    assert got["DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc"] in blocked  # no answer, no pass
    assert not [rid for rid, r in got.items() if r["outcome"] == "failed" and rid.startswith("Describe")
                and rid != "DescribeCompilationJob/no-server-error/every-exchange"]


class EverySecond(Transient):
    """The fault on every second call it applies to."""

    def _draw(self, state):
        with state.lock:
            state["calls"] = state.get("calls", 0) + 1
            hit = state["calls"] % 2 == 0
            state["faults"] = state.get("faults", 0) + hit
        return hit


def test_a_budget_that_ends_on_a_throttle_keeps_the_server_s_answer(caller_behind):
    """Seen under 30% throttling: ListTags' 500 (moto) then a throttle on the last attempt.
    A throttle says "slow down", nothing of the request: the answer kept is the server's 500,
    so no-server-error still fails and no check takes the throttle for a refusal."""
    caller, proxy = caller_behind([EverySecond("throttling", 1.0)], max_attempts=2)
    caller.observers.append(WireClauses(JUDGED))
    stop = caller.call(STOP, {"CompilationJobName": "cf-missing"})  # 500, then throttled
    assert (stop.status, stop.attempts) == (500, 2), stop.describe()
    assert [a["error_code"] for a in stop.retried] == [stop.error_code] != ["ThrottlingException"]
    assert _clauses(caller)[f"{STOP}/no-server-error/every-exchange"]["outcome"] == "failed"
    # a call throttled on every attempt got no other answer: the throttle is what it keeps
    always, _ = caller_behind([Transient("throttling", 1.0)], max_attempts=2)
    kept = always.call(STOP, {"CompilationJobName": "cf-missing"})
    assert (kept.error_code, kept.attempts) == ("ThrottlingException", 2), kept.describe()
    # schemathesis' calls alike
    from conformance.exchange import RetryPolicy
    from conformance.schemathesis_bridge import http_session

    retrying = http_session(retry=RetryPolicy(2, emulator=True))
    assert retrying.post(proxy.url + f"/{STOP}", data=b'{"CompilationJobName": "cf-x"}').status_code == 500


def test_when_both_runs_fail_the_verdict_is_the_run_without_the_transient(monkeypatch):
    """Seen under 30% throttling: the lifecycle walk's first run met a List throttled on all
    8 attempts (taken for a refusal) and moto's Stop 500; run again, only the Stop 500 was
    left, which blocks the result (as without faults). The first run's failure was reported."""
    from types import SimpleNamespace

    from conformance import plugin
    from conformance.errors import Blocked, CheckFailure

    caller = SimpleNamespace(unanswered=[], unsteady=0)
    caller.mark = lambda: (caller.unsteady, len(caller.unanswered))
    caller.since = lambda m: (caller.unanswered[m[1]:], caller.unsteady - m[0])
    monkeypatch.setattr(plugin, "_caller", lambda item: caller)
    stop_500 = Blocked("StopCompilationJob/no-server-error/every-exchange", "HTTP 500")
    throttled = CheckFailure("accepted", "a model-valid request was refused with HTTP 400 ThrottlingException",
                             operation=LIST, example={"operation": LIST, "response": {
                                 "status": 400, "error_code": "ThrottlingException", "transport_error": None}})

    def judged(first: BaseException, second: BaseException, second_unsteady: bool) -> BaseException:
        def rerun():
            caller.unsteady += second_unsteady
            raise second

        hook = plugin.pytest_runtest_call(SimpleNamespace(runtest=rerun))
        next(hook)
        caller.unsteady += 1  # the first run's List was retried
        with pytest.raises(BaseException) as raised:
            hook.throw(first)
        return raised.value

    first = ExceptionGroup("two failures", [throttled, stop_500])
    assert judged(first, stop_500, second_unsteady=False) is stop_500
    # a second run that met a transient too is no better judge: the first failure stands,
    # and a failure judged on a throttle kept after the whole budget judged nothing: blocked
    assert judged(first, throttled, second_unsteady=True) is first
    assert plugin._blocked(first, "status-walk") == (f"{LIST}/no-server-error/every-exchange",
                                                     "no answer to judge: a model-valid request was refused "
                                                     "with HTTP 400 ThrottlingException")
    refused = CheckFailure("accepted", "a model-valid request was refused with HTTP 400 ValidationException",
                           operation=LIST, example={"operation": LIST, "response": {
                               "status": 400, "error_code": "ValidationException", "transport_error": None}})
    assert plugin._blocked(refused, "accepted") is None  # a refusal is a finding
