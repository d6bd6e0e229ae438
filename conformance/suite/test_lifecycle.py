"""Status transitions: the lifecycle a job walks, Stop, Delete, and what a finished job shows.

Jobs take minutes on the real API and an instant on moto: every wait is bounded by the
session's poll budget (``--poll-budget``, reported as ``poll_budget_s``), and a backend whose
jobs are COMPLETED the instant they are created gets a fidelity note, not a failure.
"""

from __future__ import annotations

import contextlib
import functools
import time

import pytest
from hypothesis import Phase, settings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from conformance import checks
from conformance.checks import CheckContext
from conformance.checks.lifecycle import TERMINAL
from conformance.errors import CheckFailure
from conformance.checks.behaviour import summaries
from conformance.scenarios import FOUNDING_CREATE, judge_setup, setup_job
from conformance.session import status_of

#: Steps per state-machine run: a few jobs, each created, read, stopped or deleted.
STEPS = 12
#: A job for a cloud instance target: AWS describes its InferenceImage once COMPLETED.
CLOUD_CREATE = {**FOUNDING_CREATE, "OutputConfig": {**FOUNDING_CREATE["OutputConfig"], "TargetDevice": "ml_c5"}}
INSTANT = ("the job was {status} at the first read after Create: no non-terminal status is "
           "observable on this backend, so {what} cannot be exercised")


def _read(session, name):
    exchange = session.call("DescribeCompilationJob", {"CompilationJobName": name})
    checks.get("no-server-error")(exchange)
    checks.get("accepted")(exchange)
    return exchange, status_of(exchange)


def _walk(walk, stopped_after=None, exchange=None):
    checks.get("status-walk")(exchange, CheckContext(expect={"walk": walk, "stopped_after": stopped_after}))


def _reached_terminal(session, walk, what):
    if walk[-1] not in TERMINAL:
        pytest.skip(f"still {walk[-1]} after the poll budget of {session.poll_budget:g} s: {what} "
                    "not judged (raise --poll-budget)")


@pytest.fixture(scope="module", autouse=True)
def early_jobs(conformance_session):
    """The jobs this module's tests need ended, sent when its first test starts so they run
    while the tests before theirs wait (DESIGN.md, Time: the module costs one job's duration,
    not three): ``ended``, a job for ml_c5 whose COMPLETED description is judged, and
    ``stopend``, whose Stop once it ended must be refused. Kept: the live-job bound never
    stops them. Their answers are judged by the tests that use them (a backend refusing them
    fails those tests, not the module): key -> (request as sent, Create's exchange)."""
    made = {}
    for key, request in (("ended", CLOUD_CREATE), ("stopend", FOUNDING_CREATE)):
        made[key] = conformance_session.send_create(request, hint=key)
        conformance_session.waiting.keep(made[key][0]["CompilationJobName"])
    return made


def _accepted(early):
    """An early job's request, once its Create is judged accepted."""
    sent, created = early
    judge_setup(created)
    return sent


@pytest.mark.conformance(operation="DescribeCompilationJob", check="status-walk", case="until-terminal")
def test_walk_until_terminal(conformance_session, conformance_note):
    """Poll a new job until it ends, then read it three more times and list it: the walk is
    legal and the terminal status never changes. Needs the job's own end (COMPLETED or
    FAILED, not a Stop): the one whole job this module waits for, while its early jobs run."""
    session = conformance_session
    sent, _ = setup_job(session, FOUNDING_CREATE, hint="walk")
    name = sent["CompilationJobName"]
    reads = session.poll(name)
    for r in reads:
        checks.get("no-server-error")(r)
        checks.get("accepted")(r)
    walk = [status_of(r) for r in reads]
    _walk(walk, exchange=reads[-1])
    _reached_terminal(session, walk, "terminal stability")
    if len(walk) == 1:
        conformance_note("DescribeCompilationJob/lifecycle/instant-completion",
                         INSTANT.format(status=walk[0], what="Stop on a running job"),
                         operation="DescribeCompilationJob")
    for _ in range(3):
        reads.append(_read(session, name)[0])
        walk.append(status_of(reads[-1]))
    page = session.call("ListCompilationJobs", {"NameContains": name})
    checks.get("accepted")(page)
    walk += [s.get("CompilationJobStatus") for s in summaries(page, CheckContext())
             if s.get("CompilationJobName") == name]
    _walk(walk, exchange=page)


def _stop_new_job(session, conformance_note, hint):
    """Create, read once, Stop at once. Returns (name, walk, stop exchange); skips with a
    fidelity note when the job had already ended, so no running job could be stopped."""
    sent, _ = setup_job(session, FOUNDING_CREATE, hint=hint)
    name = sent["CompilationJobName"]
    _, first = _read(session, name)
    if first in TERMINAL:  # Stop of an ended job is test_stop_terminal_rejected's to judge
        conformance_note("StopCompilationJob/lifecycle/instant-completion",
                         INSTANT.format(status=first, what="Stop on a running job"),
                         operation="StopCompilationJob")
        pytest.skip(INSTANT.format(status=first, what="Stop on a running job"))
    stop = session.call("StopCompilationJob", {"CompilationJobName": name})
    checks.get("no-server-error")(stop)
    return name, [first], stop


@pytest.mark.conformance(operation="StopCompilationJob", check="stop-running-accepted", case="just-created")
def test_stop_running_accepted(conformance_session, conformance_note):
    name, walk, stop = _stop_new_job(conformance_session, conformance_note, "stoprun")
    _, after = _read(conformance_session, name)
    checks.get("stop-running-accepted")(stop, CheckContext(expect={"status_after": after}))
    if not stop.ok:
        pytest.skip(f"the job ended before the Stop arrived (read {after} after it)")


@pytest.mark.conformance(operation="DescribeCompilationJob", check="status-walk", case="after-stop")
def test_walk_after_stop(conformance_session, conformance_note):
    """A stopped job goes STOPPING -> STOPPED, and stays STOPPED."""
    session = conformance_session
    name, walk, stop = _stop_new_job(session, conformance_note, "stopwalk")
    if not stop.ok:
        pytest.skip(f"Stop was refused ({stop.describe()}): no stopped job to follow")
    reads = session.poll(name)
    walk += [status_of(r) for r in reads]
    _walk(walk, stopped_after=1, exchange=reads[-1])
    _reached_terminal(session, walk, "the end of a stopped job")
    for _ in range(2):
        walk.append(_read(session, name)[1])
    _walk(walk, stopped_after=1, exchange=reads[-1])


@pytest.mark.conformance(operation="StopCompilationJob", check="stop-terminal-rejected", case="ended")
def test_stop_terminal_rejected(conformance_session, early_jobs):
    """Needs an ended job, any terminal status: the module's early one, ended by now or soon."""
    session = conformance_session
    sent = _accepted(early_jobs["stopend"])
    name = sent["CompilationJobName"]
    reads = session.poll(name)
    walk = [status_of(r) for r in reads]
    _reached_terminal(session, walk, "Stop of an ended job")
    stop = session.call("StopCompilationJob", {"CompilationJobName": name})
    checks.get("stop-terminal-rejected")(stop, CheckContext(expect={"status": walk[-1]}))
    walk.append(_read(session, name)[1])
    _walk(walk, exchange=stop)


@pytest.fixture(scope="module")
def ended_cloud_job(conformance_session, early_jobs):
    """The module's early job for ml_c5 (a cloud instance), polled until it ended: (request,
    walk). Needs it COMPLETED, not stopped: ModelArtifacts and InferenceImage are judged on a
    COMPLETED job (so it is waited for, never stopped)."""
    sent = _accepted(early_jobs["ended"])
    reads = conformance_session.poll(sent["CompilationJobName"])
    return sent, [status_of(r) for r in reads]


@pytest.mark.conformance(operation="DescribeCompilationJob", case="ended")
@pytest.mark.parametrize("check", ["response-shape", "roundtrip", "timestamps-ordered", "inference-image"])
def test_ended_job_described(conformance_session, ended_cloud_job, check):
    """What a finished job shows: ModelArtifacts once COMPLETED, FailureReason once FAILED,
    CompilationEndTime, its InferenceImage (cloud target), and still what Create sent."""
    sent, walk = ended_cloud_job
    if walk[-1] not in TERMINAL:
        pytest.skip(f"still {walk[-1]} after the poll budget of {conformance_session.poll_budget:g} s")
    exchange, _ = _read(conformance_session, sent["CompilationJobName"])
    if not checks.get(check)(exchange, CheckContext(sent=sent)):
        pytest.skip(f"{check} does not apply to a {walk[-1]} job")


# ---------------------------------------------------------------- the state machine


def _judged(method):
    """A rule whose CheckFailure is kept for teardown (``LifecycleMachine.judging``), and that
    sends nothing once a failure is kept."""

    @functools.wraps(method)
    def body(self, *args, **kwargs):
        if self.failure is None:
            with self.judging():
                method(self, *args, **kwargs)

    return body


class LifecycleMachine(RuleBasedStateMachine):
    """Create, read, list, stop, delete and wait in any order, against a model of what each
    job may do next. The session is bound by the test (``bind``)."""

    session = None
    #: Whether jobs take time to end on this backend; where they end at once, waiting is moot.
    moving = True
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        self.stem = self.session.new_name("sm")
        self.model: dict[str, dict] = {}
        self.waited = 0.0
        self.failure: CheckFailure | None = None

    @contextlib.contextmanager
    def judging(self):
        """Keep the first failure and raise it at teardown: when a failure shows depends on
        timing, and a run that ended at a different step would look to Hypothesis like a
        test whose data generation changed (FlakyStrategyDefinition). Every run draws all
        its steps; after a failure the rules send nothing more."""
        try:
            yield
        except CheckFailure as exc:
            self.failure = self.failure or exc

    def teardown(self) -> None:
        self.session.waiting.release(*self.model)
        if self.failure is not None:
            raise self.failure

    @classmethod
    def bind(cls, session, moving: bool) -> type:
        return type(cls.__name__, (cls,), {"session": session, "moving": moving})

    def _see(self, name, status, exchange) -> None:
        job = self.model[name]
        job["walk"].append(status)
        _walk(job["walk"], job["stopped_after"], exchange)

    @rule(target=jobs)
    def create(self):
        name = f"{self.stem}-{len(self.model) + 1}"
        self.model[name] = {"walk": [], "stopped_after": None, "deleted": False}
        if self.failure is not None:
            return name
        with self.judging():
            setup_job(self.session, FOUNDING_CREATE, name=name)
            self.session.waiting.keep(name)  # its model expects it to run until it stops it
        return name

    @rule(name=jobs)
    @_judged
    def describe(self, name):
        exchange = self.session.call("DescribeCompilationJob", {"CompilationJobName": name})
        if self.model[name]["deleted"]:
            checks.get("gone-after-delete")(exchange)
            return
        checks.get("no-server-error")(exchange)
        checks.get("accepted")(exchange)
        checks.get("timestamps-ordered")(exchange)
        self._see(name, status_of(exchange), exchange)

    @rule()
    @_judged
    def list(self):
        page = self.session.call("ListCompilationJobs", {"NameContains": self.stem, "MaxResults": 100})
        checks.get("no-server-error")(page)
        checks.get("accepted")(page)
        live = [n for n, job in self.model.items() if not job["deleted"]]
        gone = [n for n, job in self.model.items() if job["deleted"]]
        checks.get("listed-once")(page, CheckContext(expect={"live": live, "gone": gone}))
        for summary in summaries(page, CheckContext()):
            if summary.get("CompilationJobName") in live:
                self._see(summary["CompilationJobName"], summary.get("CompilationJobStatus"), page)

    @rule(name=jobs)
    @_judged
    def stop(self, name):
        job = self.model[name]
        before = job["walk"][-1] if job["walk"] else None
        exchange = self.session.call("StopCompilationJob", {"CompilationJobName": name})
        checks.get("no-server-error")(exchange)
        if job["deleted"]:
            checks.get("missing-resource")(exchange)
        elif before in TERMINAL:
            checks.get("stop-terminal-rejected")(exchange, CheckContext(expect={"status": before}))
        elif exchange.ok:
            if job["stopped_after"] is None:
                job["stopped_after"] = len(job["walk"])
        else:
            after = self.session.call("DescribeCompilationJob", {"CompilationJobName": name})
            checks.get("stop-running-accepted")(exchange, CheckContext(expect={"status_after": status_of(after)}))
            self._see(name, status_of(after), after)

    @rule(name=jobs)
    @_judged
    def delete(self, name):
        job = self.model[name]
        if not job["deleted"]:
            exchange = self.session.call("DescribeCompilationJob", {"CompilationJobName": name})
            checks.get("accepted")(exchange)
            self._see(name, status_of(exchange), exchange)
            if job["walk"][-1] not in TERMINAL:
                return  # only an ended job can be deleted (aws-docs); not exercised here
        exchange = self.session.call("DeleteCompilationJob", {"CompilationJobName": name})
        checks.get("no-server-error")(exchange)
        if job["deleted"]:
            checks.get("missing-resource")(exchange)
            return
        checks.get("accepted")(exchange)
        job["deleted"] = True
        self.session.forget(name)

    @rule(pause=st.sampled_from([0.05, 0.25]))
    @_judged
    def wait(self, pause):
        """Let time pass, so a backend that really runs jobs shows them move (bounded); only
        while a job of the machine may still move: a pause with every job ended or deleted
        observes nothing."""
        running = any(not job["deleted"] and (not job["walk"] or job["walk"][-1] not in TERMINAL)
                      for job in self.model.values())
        if self.moving and running and self.waited + pause <= self.session.poll_budget:
            self.waited += pause
            time.sleep(pause)


@pytest.mark.conformance(operation="DescribeCompilationJob", check="status-walk", case="state-machine",
                         backends=("moto", "server"))
def test_state_machine(conformance_session):
    """Not on --backend aws: a machine's calls depend on timing, so no cassette could replay them.

    Where jobs really move (a fresh job reads STARTING or INPROGRESS), shrinking would replay
    runs with their waits hundreds of times (minutes per finding): the failing run is reported
    as found, at most STEPS steps. Where jobs end at once, it is shrunk to a minimal one."""
    session = conformance_session
    sent, _ = setup_job(session, FOUNDING_CREATE, hint="probe")
    _, first = _read(session, sent["CompilationJobName"])
    current = settings()
    moving = first not in TERMINAL
    phases = [p for p in current.phases if p is not Phase.shrink or not moving]
    run_state_machine_as_test(LifecycleMachine.bind(session, moving),
                              settings=settings(current, stateful_step_count=STEPS, phases=phases))

