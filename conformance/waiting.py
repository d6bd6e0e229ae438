"""Waiting, shared: one poller per run follows the run's jobs, so a run's length grows with its
slowest chain of waits, not with jobs x job duration (DESIGN.md, Time).

* :meth:`Poller.wait` follows several jobs at once, round-robin, until each has ended: the
  listing jobs settle together, cleanup waits once for all the jobs it stopped.
* :meth:`Poller.end` gives a terminal job, not a compiled one: a job still running is stopped
  (cheaper on the real API, and a STOPPED job is as deletable as a COMPLETED one).
* A bound on live jobs (``max_live_jobs``, ``--max-live-jobs``): from half of it on, a Create
  first stops the jobs no test needs running any more (made by an earlier test or an earlier
  Hypothesis example, not kept, not a fixture's); at the bound it waits until one has ended.
* A Create answered ``ResourceLimitExceeded`` (a declared error of CreateCompilationJob: a
  quota of live jobs, not a throttle) is sent again, after stopping the jobs no test needs,
  with exponential backoff within the poll budget. Throttling is the Caller's alone
  (conformance.exchange: botocore's standard mode retries its throttling codes within
  ``--max-attempts``): a Create it gave up on is not sent again here.

Every figure (waits, their seconds, retries by error code, stops, the peak of live jobs) is
in :meth:`Poller.stats`, which the report shows as ``waiting``. No thread: the run's own loop
polls, so an in-process backend is never called from two threads, and a cassette records each
wait inside the test that waited.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from . import resources

if TYPE_CHECKING:
    from .exchange import Exchange
    from .session import RunSession

#: Compilation jobs' spec (conformance.resources): the operations, members and statuses the
#: poller follows, as the session takes them.
JOB = resources.spec("CompilationJob")

#: Live jobs a run keeps at most (assumption: SageMaker's quota of concurrent compilation jobs
#: is per account and not in the public docs; the Service Quotas console shows yours, set
#: ``max_live_jobs`` to it). 0: no bound.
DEFAULT_MAX_LIVE_JOBS = 10
TERMINAL = JOB.terminal
WAITING = frozenset(JOB.status_enum) - TERMINAL
STOPPABLE = WAITING - {"STOPPING"}
#: What the poller notes for a job whose Describe showed no lifecycle status.
UNREADABLE = "<unreadable>"
#: The Create answer the poller waits out: the account's quota of live jobs (model: a declared
#: error of CreateCompilationJob; not among botocore's throttling codes, so the Caller keeps it).
QUOTA = "ResourceLimitExceeded"
#: Polling: the first pause, its growth per round, its cap (a real job of minutes costs a few
#: dozen reads; a simulated one of seconds is seen ended within ~30% of its duration).
FIRST_INTERVAL_S = 0.2
GROWTH = 1.3
MAX_INTERVAL_S = 5.0
#: Backoff of a retried Create: first pause and cap.
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 20.0


def rounds(budget_s: float, interval_s: float = FIRST_INTERVAL_S, *, sleep: Callable[[float], None] | None = None,
           clock: Callable[[], float] | None = None) -> Iterator[int]:
    """The rounds of a poll: the first at once, each next one after a pause that grows by
    GROWTH up to MAX_INTERVAL_S, none once ``budget_s`` is spent (a pause never runs past it).
    The caller reads in each round and stops when it has what it waits for; one loop for every
    wait of the run (the poller's jobs, the sweep's resources of any family). ``sleep`` and
    ``clock`` default to the time module's (looked up per call)."""
    sleep, clock = sleep or time.sleep, clock or time.monotonic
    deadline = clock() + budget_s
    for n in itertools.count():
        yield n
        if clock() >= deadline:
            return
        sleep(min(interval_s, max(0.0, deadline - clock())))
        interval_s = min(interval_s * GROWTH, MAX_INTERVAL_S)


@dataclass
class Job:
    """A job of the run the poller follows until it is seen ended or deleted."""

    name: str
    #: The result whose test made it (None: a module or session fixture's, needed later).
    origin: str | None
    status: str | None = None
    kept: bool = False
    stop_sent: bool = False

    @property
    def live(self) -> bool:
        """Not seen ended. A job whose status cannot be read (an error, an unknown status) is
        not counted: the bound cannot follow it, and must not wait for it forever."""
        return self.status is None or self.status in WAITING

    @property
    def stoppable(self) -> bool:
        """No test needs it running: not kept, made by a test (not a fixture), and not known
        ended or stopped already. Jobs of the current test are stoppable too: an earlier
        Hypothesis example's job is not needed by the next one (a state machine keeps its)."""
        return not self.kept and self.origin is not None and not self.stop_sent and self.status in (None, *STOPPABLE)

    def seen(self, status: str | None) -> None:
        """A status read; once ended, always ended here (a backend whose terminal status
        changes is status-walk's finding, and must not hold a place in the bound)."""
        if self.status not in TERMINAL:
            self.status = status or UNREADABLE


def status_of(exchange: "Exchange", spec: Any = JOB) -> str | None:
    """The status of a successful Describe as sent on the wire (CompilationJobStatus unless
    another family's ``spec`` is given); else None."""
    if not exchange.ok or exchange.transport_error:
        return None
    return spec.status_of(exchange.wire_or_none())


class Poller:
    """The run's one poller (``RunSession.waiting``)."""

    def __init__(self, session: "RunSession", max_live_jobs: int = DEFAULT_MAX_LIVE_JOBS, *,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self.max_live_jobs = max_live_jobs
        self.sleep = sleep
        self.clock = clock
        self.jobs: dict[str, Job] = {}
        self.counts: dict[str, Any] = {"bound_waits": 0, "bound_wait_s": 0.0, "stops": 0, "peak_live": 0,
                                       "create_retries": {}, "create_retry_s": 0.0, "creates_refused": 0,
                                       "bound_timeouts": 0}

    # ------------------------------------------------------------------ bookkeeping

    def saw(self, operation: str, name: str, exchange: "Exchange") -> None:
        """Every call of the run on one of its jobs passes here (RunSession.call)."""
        if operation == JOB.create and exchange.ok and name not in self.jobs:
            self.jobs[name] = Job(name, self.session.current_test)
            self.counts["peak_live"] = max(self.counts["peak_live"], self.live())
        job = self.jobs.get(name)
        if job is None:
            return
        if operation == JOB.describe:
            if exchange.error_code == "ResourceNotFound":
                self.jobs.pop(name, None)
            else:
                job.seen(status_of(exchange))
        elif operation == JOB.stop and exchange.ok:
            job.stop_sent = True
            if job.status in (None, *STOPPABLE):
                job.status = "STOPPING"
        elif operation == JOB.delete and (exchange.ok or exchange.error_code == "ResourceNotFound"):
            self.jobs.pop(name, None)

    def saw_listing(self, page: "Exchange") -> None:
        """The statuses a ListCompilationJobs page shows of the run's jobs (the isolation probe
        after each Create: where jobs end at once, none of them counts as live)."""
        body = page.wire_or_none() if page.ok else None
        summaries = body.get(JOB.list.page) if isinstance(body, dict) else None
        for summary in summaries if isinstance(summaries, list) else []:
            job = self.jobs.get(summary.get(JOB.list.name_member)) if isinstance(summary, dict) else None
            status = summary.get(JOB.status_member) if job is not None else None
            if isinstance(status, str):
                job.seen(status)

    def keep(self, *names: str) -> None:
        """These jobs must keep running (a state machine's, a job whose COMPLETED status a check
        needs): the live-job bound never stops them."""
        for name in names:
            if name in self.jobs:
                self.jobs[name].kept = True

    def release(self, *names: str) -> None:
        """No longer needed running: the bound may stop them."""
        for name in names:
            job = self.jobs.get(name)
            if job is not None:
                job.kept = False
                job.origin = job.origin or "released"

    def live(self) -> int:
        return sum(job.live for job in self.jobs.values())

    def stats(self) -> dict[str, Any]:
        """The run's waiting figures (JSON-able: the report's ``waiting``)."""
        counts = dict(self.counts, create_retries=dict(self.counts["create_retries"]))
        counts["bound_wait_s"] = round(counts["bound_wait_s"], 3)
        counts["create_retry_s"] = round(counts["create_retry_s"], 3)
        return {"max_live_jobs": self.max_live_jobs, **counts}

    # ------------------------------------------------------------------ waiting

    def _budget(self, budget_s: float | None) -> float:
        return self.session.poll_budget if budget_s is None else budget_s

    def _pause(self, interval: float, deadline: float) -> float:
        self.sleep(min(interval, max(0.0, deadline - self.clock())))
        return min(interval * GROWTH, MAX_INTERVAL_S)

    def wait(self, names: Iterable[str], budget_s: float | None = None,
             interval_s: float = FIRST_INTERVAL_S) -> dict[str, list["Exchange"]]:
        """Describe each job, round-robin, until its status is no longer STARTING, INPROGRESS
        or STOPPING (an error, a body that is not JSON, a status outside the lifecycle end the
        wait too: waiting cannot mend them), or the budget (default the session's poll budget)
        is spent. Every read of each job, in order; each job is read at least once."""
        names = list(dict.fromkeys(names))
        reads: dict[str, list[Exchange]] = {name: [] for name in names}
        pending = names
        for _ in rounds(self._budget(budget_s), interval_s, sleep=self.sleep, clock=self.clock):
            for name in pending:
                reads[name].append(self.session.call(JOB.describe, {JOB.name_member: name}))
            pending = [name for name in pending if status_of(reads[name][-1]) in WAITING]
            if not pending:
                break
        return reads

    def end(self, name: str, budget_s: float | None = None) -> list["Exchange"]:
        """Bring a job to a terminal status, COMPLETED or not: read it, stop it if it is still
        running, and wait. Every Describe read, in order (the last one shows where it ended)."""
        reads = self.wait([name], budget_s=0)[name]
        if status_of(reads[-1]) in STOPPABLE:
            self.session.call(JOB.stop, {JOB.name_member: name})
        if status_of(reads[-1]) in WAITING:
            reads += self.wait([name], budget_s=budget_s)[name]
        return reads

    # ------------------------------------------------------------------ creating

    def create(self, name: str, send: Callable[[], "Exchange"], *, known: bool = False) -> "Exchange":
        """Send a Create of ``name`` (``send``) within the live-job bound, again after a pause
        (and stopping the jobs no test needs) while it is refused for the account's quota, as
        long as the poll budget lasts. ``known``: a name already sent (a duplicate), which
        makes no new job."""
        if not known:
            self._within_bound()
        started = self.clock()
        deadline = started + self.session.poll_budget
        pause = FIRST_BACKOFF_S
        while True:
            exchange = send()
            if exchange.error_code != QUOTA or known:
                break
            retries = self.counts["create_retries"]
            retries[exchange.error_code] = retries.get(exchange.error_code, 0) + 1
            if self.clock() + pause > deadline:
                self.counts["creates_refused"] += 1
                break
            self._stop_unneeded()
            self.sleep(pause)
            pause = min(pause * 2, MAX_BACKOFF_S)
        if pause > FIRST_BACKOFF_S:  # it was sent again
            self.counts["create_retry_s"] += self.clock() - started
        return exchange

    def _within_bound(self) -> None:
        """Before a new job: from half the bound on, stop the jobs no test needs running (so
        their stopping overlaps the run's work, and the real API bills less); at the bound,
        also wait (within the poll budget) until one has ended."""
        if not self.max_live_jobs or self.counts["bound_timeouts"] or getattr(self.session.backend, "offline", False):
            return
        if self.live() >= max(1, self.max_live_jobs // 2):
            self._stop_unneeded()
        if self.live() < self.max_live_jobs:
            return
        started = self.clock()
        deadline = started + self.session.poll_budget
        self.counts["bound_waits"] += 1
        interval = FIRST_INTERVAL_S
        self._refresh()
        while self.live() >= self.max_live_jobs and self.clock() < deadline:
            self._stop_unneeded()
            interval = self._pause(interval, deadline)
            self._refresh()
        self.counts["bound_wait_s"] += self.clock() - started
        if self.live() >= self.max_live_jobs:
            # The jobs do not end within the budget (stuck, or Stop refused): the bound gives
            # up for the rest of the run rather than cost every later Create the budget.
            self.counts["bound_timeouts"] += 1

    def _refresh(self) -> None:
        """Read the live jobs' statuses (the run's own look: no wire clause judges it)."""
        for job in [job for job in self.jobs.values() if job.live]:
            exchange = self.session.caller.call(JOB.describe, {JOB.name_member: job.name},
                                                observe=False)
            self.saw(JOB.describe, job.name, exchange)

    def _stop_unneeded(self) -> None:
        for job in [job for job in self.jobs.values() if job.live and job.stoppable]:
            exchange = self.session.caller.call(JOB.stop, {JOB.name_member: job.name},
                                                observe=False)
            job.stop_sent = True  # once: a refused Stop (an ended job) is not sent again
            self.counts["stops"] += 1
            self.saw(JOB.stop, job.name, exchange)

    # ------------------------------------------------------------------ cleanup

    def delete_all(self, names: Iterable[str]) -> tuple[list[str], list[str]]:
        """Delete these jobs of the run: each at once where it has ended; the ones still running
        are stopped at once, all of them, then waited for together and deleted. Returns
        (deleted or gone, left: answered neither success, ResourceNotFound nor
        ValidationException)."""
        call = self.session.call
        answers = {name: call(JOB.delete, {JOB.name_member: name}) for name in names}
        running = [name for name, ex in answers.items() if ex.error_code == "ValidationException"]
        for name in running:  # only an ended job can be deleted (aws-docs): stop, wait, retry
            call(JOB.stop, {JOB.name_member: name})
        if running:
            self.wait(running)
            for name in running:
                answers[name] = call(JOB.delete, {JOB.name_member: name})
        left = [name for name, ex in answers.items()
                if not ex.ok and ex.error_code not in ("ResourceNotFound", "ValidationException")]
        return [name for name in answers if name not in left], left
