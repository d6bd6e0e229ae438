"""The run's shared poller (conformance/waiting.py) against jobs that really move: the fault
proxy's simulated lifecycle on a manual clock, which only the poller's own pauses advance, so
"how long a wait took" is counted in simulated seconds, deterministically, and no test sleeps.
The oracle of what is live is the proxy's own simulation, not the poller's bookkeeping."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from conformance import config
from conformance.backends import BackendOptions, open_backend
from conformance.errors import UsageError
from conformance.exchange import Exchange
from conformance.faults import FaultProxy, Lifecycle, moto_server
from conformance.scenarios import FOUNDING_CREATE, setup_job
from conformance.session import RunSession
from conformance.waiting import Poller, status_of

JOB_S = 4.0
STOP_S = 1.0


class Clock:
    """Epoch seconds that move only when the poller pauses."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


@pytest.fixture(scope="module")
def upstream():
    with moto_server() as url:
        yield url


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def proxy(upstream, clock):
    with FaultProxy(upstream, lifecycle=Lifecycle.lasting(JOB_S, STOP_S, clock=clock)) as proxy:
        yield proxy
    assert not proxy.errors, proxy.errors


@pytest.fixture
def session(proxy, clock):
    with open_backend(BackendOptions(kind="server", endpoint=proxy.url)) as backend:
        session = RunSession(backend)
        session.waiting = Poller(session, sleep=clock.sleep, clock=clock)
        session.current_test = "A/test/one"
        yield session
        session.cleanup()


def _create(session, hint="w"):
    sent, exchange = setup_job(session, FOUNDING_CREATE, hint=hint)
    assert exchange.ok, exchange.describe()
    return sent["CompilationJobName"]


def _live_on_the_backend(proxy, clock) -> int:
    """What the proxy's simulation says: jobs not yet COMPLETED, FAILED or STOPPED."""
    lc, jobs = proxy.layer.lifecycle, list(proxy.layer._jobs.values())
    return sum(job.view(lc, job.created, clock()).status not in ("COMPLETED", "FAILED", "STOPPED") for job in jobs)


def _sent(proxy, operation):
    return [entry.params.get("CompilationJobName") for entry in proxy.journal if entry.operation == operation]


def test_jobs_waited_for_together_cost_one_job_duration(session, clock):
    names = [_create(session) for _ in range(4)]
    reads = session.waiting.wait(names)
    assert [status_of(r[-1]) for r in reads.values()] == ["COMPLETED"] * 4
    # One after another would be 4 x 4 s; together it is one job's duration plus the last pause.
    assert JOB_S <= clock.slept <= JOB_S * 1.5, clock.slept
    for walk in ([status_of(x) for x in r] for r in reads.values()):
        assert walk[0] == "STARTING" and "INPROGRESS" in walk, walk


def test_poll_is_a_wait_for_one_job(session, clock):
    name = _create(session)
    walk = [status_of(r) for r in session.poll(name)]
    assert walk[0] == "STARTING" and walk[-1] == "COMPLETED"
    assert [status_of(r) for r in session.poll(name, budget_s=0)] == ["COMPLETED"]


def test_end_stops_a_running_job_instead_of_waiting_for_it(session, proxy, clock):
    name = _create(session)
    reads = session.waiting.end(name)
    assert status_of(reads[-1]) == "STOPPED"
    assert _sent(proxy, "StopCompilationJob") == [name]
    assert clock.slept < JOB_S and clock.slept >= STOP_S, clock.slept


def test_end_of_an_ended_job_sends_no_stop(session, proxy, clock):
    name = _create(session)
    session.waiting.wait([name])
    assert status_of(session.waiting.end(name)[-1]) == "COMPLETED"
    assert _sent(proxy, "StopCompilationJob") == []


def test_bound_stops_jobs_no_test_needs_and_never_exceeds_it(session, proxy, clock):
    session.waiting.max_live_jobs = 2
    live_at_create = []
    real = session.caller.call

    def call(operation, request=None, **kw):
        if operation == "CreateCompilationJob":
            live_at_create.append(_live_on_the_backend(proxy, clock))
        return real(operation, request, **kw)

    session.caller.call = call
    earlier = [_create(session) for _ in range(2)]
    session.current_test = "A/test/two"
    later = [_create(session) for _ in range(3)]
    assert max(live_at_create) <= 1, live_at_create  # before each Create: room for one more
    assert set(_sent(proxy, "StopCompilationJob")) >= set(earlier)
    stats = session.waiting.stats()
    assert stats["max_live_jobs"] == 2 and stats["bound_waits"] >= 2 and stats["stops"] >= 2
    assert stats["peak_live"] <= 2 and stats["bound_wait_s"] > 0
    assert later  # the third job of the later test waited for its own second one to end or be stopped


def test_bound_never_stops_a_kept_job_or_a_fixtures(session, proxy, clock):
    session.waiting.max_live_jobs = 2
    session.current_test = None  # a module fixture's job: a later test may need it running
    fixture_job = _create(session)
    session.current_test = "A/test/one"
    kept = _create(session)
    session.waiting.keep(kept)
    session.current_test = "A/test/two"
    _create(session)
    assert _sent(proxy, "StopCompilationJob") == []
    assert clock.slept >= JOB_S  # nothing could be stopped: the Create waited for a job to complete
    walks = session.waiting.wait([fixture_job, kept], budget_s=0)
    assert [status_of(r[-1]) for r in walks.values()] == ["COMPLETED", "COMPLETED"]


def test_no_bound_with_zero(session, proxy, clock):
    session.waiting.max_live_jobs = 0
    for _ in range(4):
        _create(session)
    assert _live_on_the_backend(proxy, clock) == 4 and clock.slept == 0


def test_cleanup_stops_every_running_job_at_once_and_deletes_them(session, proxy, clock, upstream):
    foreign = boto3.client("sagemaker", endpoint_url=proxy.url, region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="x")
    foreign.create_compilation_job(**{**FOUNDING_CREATE, "CompilationJobName": "someone-elses-job"})
    names = [_create(session) for _ in range(3)]
    assert session.cleanup() == []
    assert sorted(_sent(proxy, "StopCompilationJob")) == sorted(names)
    assert clock.slept < 2 * STOP_S, clock.slept  # one stop's duration for all of them, not three
    for name in names:
        assert session.caller.call("DescribeCompilationJob", {"CompilationJobName": name}).error_code
    assert foreign.describe_compilation_job(CompilationJobName="someone-elses-job")["CompilationJobStatus"]
    assert "someone-elses-job" not in _sent(proxy, "DeleteCompilationJob") + _sent(proxy, "StopCompilationJob")


def _refusing(session, code, times):
    """The Create is answered ``code`` (HTTP 400) ``times`` times, unsent, then sent."""
    real = session.caller.call
    refused = []

    def call(operation, request=None, **kw):
        if operation == "CreateCompilationJob" and len(refused) < times:
            refused.append(code)
            body = json.dumps({"__type": code, "Message": "limit"}).encode()
            return Exchange(operation, dict(request or {}), 400, raw_body=body, error_code=code)
        return real(operation, request, **kw)

    session.caller.call = call
    return refused


def test_a_create_refused_for_the_quota_is_retried_with_backoff_and_counted(session, clock):
    _refusing(session, "ResourceLimitExceeded", 2)
    name = _create(session)
    assert name in session.created
    stats = session.waiting.stats()
    assert stats["create_retries"] == {"ResourceLimitExceeded": 2} and stats["creates_refused"] == 0
    assert clock.slept == pytest.approx(1.0 + 2.0)  # exponential backoff
    assert stats["create_retry_s"] == pytest.approx(3.0, abs=0.5)


def test_a_throttled_create_is_the_caller_s_not_sent_again(session, clock):
    """Throttling is retried by the Caller (tests/test_transient.py); a throttle it kept after
    its attempts is the answer, not a second layer of retries."""
    refused = _refusing(session, "ThrottlingException", 2)
    _, exchange = session.send_create(FOUNDING_CREATE)
    assert exchange.error_code == "ThrottlingException" and len(refused) == 1
    assert clock.slept == 0 and session.waiting.stats()["create_retries"] == {}


def test_create_refused_past_the_budget_is_given_up(session, clock):
    session.poll_budget = 10.0
    _refusing(session, "ResourceLimitExceeded", 100)
    _, exchange = session.send_create(FOUNDING_CREATE)
    assert exchange.error_code == "ResourceLimitExceeded"
    stats = session.waiting.stats()
    assert stats["creates_refused"] == 1 and clock.slept <= 10.0
    assert not session.unsettled  # a refusal made no job


def test_a_duplicate_create_is_not_retried_or_bounded(session, clock):
    session.waiting.max_live_jobs = 1
    name = _create(session)
    again = session.call("CreateCompilationJob", {**FOUNDING_CREATE, "CompilationJobName": name})
    assert again.error_code == "ResourceInUse" and clock.slept == 0


def test_stats_of_xdist_workers_add_up():
    from conformance.exchange import add_up

    one = {"max_live_jobs": 5, "bound_waits": 1, "bound_wait_s": 0.5, "create_retries": {"ResourceLimitExceeded": 1}}
    two = {"max_live_jobs": 5, "bound_waits": 2, "bound_wait_s": 1.0004, "create_retries": {"ResourceLimitExceeded": 3},
           "peak_live": 4}
    # two workers' shares of a bound of 10 are the run's bound in effect
    assert add_up([one, None, two]) == {
        "max_live_jobs": 10, "bound_waits": 3, "bound_wait_s": 1.5, "create_retries": {"ResourceLimitExceeded": 4},
        "peak_live": 4}
    # the Callers' retry counts, per operation, the same way
    retries = [{"ListX": {"exchanges": 3, "retried": 1, "retries": 2}}, None,
               {"ListX": {"exchanges": 1, "retried": 0, "retries": 0},
                "CreateX": {"exchanges": 2, "retried": 1, "retries": 1}}]
    assert add_up(retries) == {"ListX": {"exchanges": 4, "retried": 1, "retries": 2},
                               "CreateX": {"exchanges": 2, "retried": 1, "retries": 1}}


def test_max_live_jobs_follows_the_settings_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("CONFORMANCE_MAX_LIVE_JOBS", raising=False)
    assert config.resolve({}, tmp_path)["max_live_jobs"] == 10
    monkeypatch.setenv("CONFORMANCE_MAX_LIVE_JOBS", "7")
    assert config.resolve({}, tmp_path)["max_live_jobs"] == 7
    (tmp_path / "pyproject.toml").write_text("[tool.conformance]\nmax_live_jobs = 3\n")
    assert config.resolve({}, tmp_path)["max_live_jobs"] == 3
    assert config.resolve({"max_live_jobs": 0}, tmp_path)["max_live_jobs"] == 0
    for bad in (-1, "many"):
        with pytest.raises(UsageError, match="max_live_jobs"):
            config.resolve({"max_live_jobs": bad}, tmp_path)


def test_report_shows_the_bound_the_budget_and_the_waiting(pytester_run, tmp_path):
    from conformance.reports import validate

    done = pytester_run("-k", "test_duplicate_name", "--max-live-jobs", "3", "--poll-budget", "7",
                        "--report-dir", str(tmp_path / "out"), "-p", "no:randomly", timeout=300)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["max_live_jobs"] == 3 and report["poll_budget_s"] == 7.0, done.stdout[-2000:]
    assert report["waiting"]["max_live_jobs"] == 3 and report["waiting"]["create_retries"] == {}
    validate(report)  # the schema declares the three (optional) properties


def test_xdist_workers_share_the_bound(monkeypatch):
    from types import SimpleNamespace

    from conformance.plugin import _live_share

    controller, worker = SimpleNamespace(), SimpleNamespace(workerinput={"workerid": "gw0", "workercount": 2})
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")  # inherited by a run started inside a worker
    assert _live_share(10, controller) == 10 and _live_share(0, controller) == 0
    assert _live_share(10, worker) == 5 and _live_share(1, worker) == 1 and _live_share(0, worker) == 0


@pytest.mark.parametrize("argv,needle", [
    (["run", "--max-live-jobs", "-1"], "--max-live-jobs must not be negative"),
    (["run", "--max-live-jobs", "many"], "invalid int value"),
    (["selftest", "--job-seconds", "-2"], "--job-seconds must not be negative"),
])
def test_bad_waiting_flags_exit_2_with_one_line(argv, needle, capsys):
    from conformance.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv,needle", [
    (["--job-seconds", "-1"], "must not be negative"),
    (["--lifecycle", "0.3,0.6", "--job-seconds", "2"], "not both"),
    (["--stop-seconds", "1"], "needs --job-seconds"),
])
def test_fault_proxy_durations_refuse_bad_flags(argv, needle, capsys):
    from conformance.faults.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and needle in capsys.readouterr().err


def test_job_seconds_scale_the_simulated_lifecycle(upstream):
    lc = Lifecycle.lasting(10)
    assert (lc.starting_s, lc.inprogress_s, lc.stopping_s) == (2.5, 7.5, pytest.approx(10 / 3))
    assert Lifecycle.lasting(10, 2).stopping_s == 2
    with FaultProxy(upstream, job_seconds=4, stop_seconds=1) as proxy:
        assert proxy.lifecycle == Lifecycle.lasting(4, 1)
    with pytest.raises(ValueError, match="not both"):
        FaultProxy(upstream, lifecycle=lc, job_seconds=1)


def test_a_bound_that_cannot_be_kept_gives_up_once(session, clock):
    """Jobs that neither end nor may be stopped within the budget: the bound waits the budget
    once, then is off, rather than cost every later Create the budget."""
    session.poll_budget = 2.0
    session.waiting.max_live_jobs = 1
    session.waiting.keep(_create(session))
    _create(session)
    assert clock.slept == pytest.approx(2.0, abs=0.3)
    _create(session)
    assert clock.slept == pytest.approx(2.0, abs=0.3)
    assert session.waiting.stats()["bound_timeouts"] == 1


def test_ended_stays_ended_and_unreadable_is_not_live(upstream, clock):
    with FaultProxy(upstream, defects=["terminal_status_changes"],
                    lifecycle=Lifecycle.lasting(1.0, clock=clock)) as proxy, \
            open_backend(BackendOptions(kind="server", endpoint=proxy.url)) as backend:
        session = RunSession(backend)
        session.waiting = Poller(session, sleep=clock.sleep, clock=clock)
        name = _create(session)
        assert status_of(session.poll(name)[-1]) == "COMPLETED"
        assert status_of(session.poll(name, budget_s=0)[-1]) == "INPROGRESS"  # the defect
        assert session.waiting.live() == 0
        other = _create(session)
        real = session.caller.call
        session.caller.call = lambda op, req=None, **kw: (
            Exchange(op, dict(req or {}), 500, raw_body=b"{}", error_code="InternalFailure")
            if op == "DescribeCompilationJob" else real(op, req, **kw))
        session.poll(other, budget_s=0)
        assert session.waiting.live() == 0
        session.caller.call = real
        session.cleanup()


def test_rounds_pause_more_each_time_and_never_past_the_budget():
    """The one poll loop of the run (the poller's jobs, SpecLedger's resources of any family):
    the first round at once, growing pauses, no round once the budget is spent, the last pause
    cut at the deadline."""
    from conformance.waiting import FIRST_INTERVAL_S, GROWTH, MAX_INTERVAL_S, rounds

    clock = Clock()
    start = clock()
    seen = [clock() - start for _ in rounds(30.0, sleep=clock.sleep, clock=clock)]
    pauses = [b - a for a, b in zip(seen, seen[1:])]
    assert seen[0] == 0 and pauses[0] == pytest.approx(FIRST_INTERVAL_S)
    assert pauses[1] == pytest.approx(FIRST_INTERVAL_S * GROWTH) and max(pauses) <= MAX_INTERVAL_S
    assert seen[-1] == pytest.approx(30.0) and clock.slept == pytest.approx(30.0)
    assert [n for n in rounds(0.0, sleep=clock.sleep, clock=clock)] == [0]  # read once, no pause


def test_spec_ledger_waits_for_a_resource_to_settle_with_the_run_s_rounds(monkeypatch):
    """SpecLedger.wait_settled reads until the status is terminal, through waiting.rounds."""
    from conformance import resources, waiting
    from conformance.session import SpecLedger

    clock = Clock()
    monkeypatch.setattr(waiting.time, "sleep", clock.sleep)
    monkeypatch.setattr(waiting.time, "monotonic", clock)
    statuses = iter(["INPROGRESS", "INPROGRESS", "STOPPING", "STOPPED", "STOPPED"])
    ledger = SpecLedger(caller=None, prefix="cf-x")  # type: ignore[arg-type]
    monkeypatch.setattr(ledger, "status", lambda spec, ident, **_: next(statuses))
    spec = resources.spec("CompilationJob")
    assert ledger.wait_settled(spec, {"CompilationJobName": "cf-x-1"}) == "STOPPED"
    assert next(statuses) == "STOPPED"  # no read after the settled one
    assert clock.slept == pytest.approx(waiting.FIRST_INTERVAL_S * (1 + waiting.GROWTH + waiting.GROWTH ** 2))
    statuses = iter(["INPROGRESS", "COMPLETED"])
    assert ledger.wait_settled(spec, {}, budget_s=0.0) == "INPROGRESS"  # no budget: one read
