"""A run's view of a backend: one caller, one name prefix, and the jobs it made.

The session sends and keeps books (names, what was created, waiting, cleanup); it does not
judge what a backend answers: scenarios and checks do (``scenarios.setup_job`` applies
``accepted`` to a setup Create). Its one look at an answer is for the run's own safety:
isolation's ``leaves-list-working`` probe after each accepted Create.

Safety (DESIGN.md): every job the suite creates carries the run's prefix; the suite only
lists with that prefix as a filter and only stops or deletes names that start with it, and
cleans up what it created, also after a failure or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import secrets
import time
from typing import Any, Iterator

from .backends import Backend
from .errors import Blocked
from .exchange import Caller, Exchange, _jsonable
from . import waiting
from .waiting import Poller, status_of

#: Compilation jobs, the deepest resource spec: the session's operations, name member, list page
#: and statuses come from it (conformance.resources).
JOB = waiting.JOB

#: Upper bound on pages walked in cleanup, so a backend that never ends pagination
#: cannot hang the run.
MAX_CLEANUP_PAGES = 50


def make_name(prefix: str, n: int, hint: str = "", scope: str = "") -> str:
    """``<prefix>-[scope-][hint-]<n>``: the one rule for a name of the run, whatever its family
    (the hint keeps at most 12 letters and digits, so any name a member's pattern allows)."""
    hint = "".join(ch for ch in hint if ch.isalnum())[:12]
    return "-".join(part for part in (prefix, scope, hint, str(n)) if part)


def run_prefix(kind: str) -> str:
    """``cf-<random>`` per run; stable ``cf-rec`` for the cassette backend so replays match recordings.

    pytest-xdist workers get their worker id in the prefix so they never see each other's jobs.
    """
    if kind == "aws":
        # Names are scoped per test there (RunSession.name_scope), so they are unique across
        # workers too, and a worker id in them would stop recordings from replaying.
        return "cf-rec"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"cf-{secrets.token_hex(3)}{worker.replace('gw', 'w')}"


class RunSession:
    def __init__(self, backend: Backend, prefix: str | None = None) -> None:
        self.backend = backend
        self.prefix = prefix or run_prefix(backend.kind)
        self.caller = Caller(backend.client())
        self._counter = itertools.count(1)
        self._scope = ""
        self.created: list[str] = []
        #: Names of this run whose Create was sent and which were not seen deleted. The final
        #: cleanup deletes them with ``created``: a Create cut short by Ctrl-C or a timeout may
        #: still have made its job, and no test had the chance to record it.
        self.unsettled: set[str] = set()
        #: Seconds a scenario may wait for a job to reach a status (real jobs take minutes).
        self.poll_budget: float = 60.0
        #: The result id of the test now running (set by the plugin): where a job came from.
        self.current_test: str | None = None
        #: Isolation: every accepted Create is followed by a probe listing of the run's jobs.
        self.isolate = True
        self.probes = 0
        #: Jobs whose existence made ListCompilationJobs answer 5xx, removed at once:
        #: name -> {"origin", "request", "probe"} (the finding of checks.clauses.ISOLATION_ID).
        self.quarantined: dict[str, dict[str, Any]] = {}
        #: Set once List fails whatever jobs exist: probing then stops (it could not isolate).
        self.list_broken: str | None = None
        #: The run's one poller: shared waits, the live-job bound, Create retries (waiting.py).
        self.waiting = Poller(self)

    def new_name(self, hint: str = "") -> str:
        return make_name(self.prefix, next(self._counter), hint, self._scope)

    @contextlib.contextmanager
    def name_scope(self, key: str, *, cleanup: bool = True) -> Iterator[None]:
        """Names made inside are ``<prefix>-<digest of key>-[hint-]<n>`` with a counter of their
        own, so the names one test makes do not depend on which tests ran before it (cassettes
        replay by name). Distinct keys keep names unique within the run. With ``cleanup``, the
        jobs made inside are deleted on exit (on a real account a test cleans up after itself,
        in its cassette); a fixture's jobs outlive its setup and are left to the run's cleanup."""
        saved = (self._scope, self._counter, len(self.created))
        self._scope = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
        self._counter = itertools.count(1)
        try:
            yield
        finally:
            made = self.created[saved[2]:]
            self._scope, self._counter = saved[0], saved[1]
            if made and cleanup:
                self.cleanup(only=made)

    def owns(self, name: str) -> bool:
        return name.startswith(self.prefix + "-")

    def call(self, operation: str, request: dict[str, Any] | None = None) -> Exchange:
        prepared = self.prepare(operation, request or {})
        name = prepared.get(JOB.name_member)
        self._check_quarantine(name)
        if operation == JOB.list.operation:  # a listing of one removed job: not judgeable
            self._check_quarantine(prepared.get("NameContains"))
        if not (isinstance(name, str) and self.owns(name)):
            return self.caller.call(operation, prepared)
        known = name in self.unsettled
        if operation == JOB.create:
            self.sending_create(name)
            exchange = self.waiting.create(name, lambda: self.caller.call(operation, prepared), known=known)
        else:
            exchange = self.caller.call(operation, prepared)
        self.waiting.saw(operation, name, exchange)
        if operation == JOB.create and not known and exchange.is_client_error:
            self.unsettled.discard(name)  # refused: no job (a 5xx or a timeout may have made one)
        elif operation == JOB.delete and (exchange.ok or exchange.error_code == "ResourceNotFound"):
            self.unsettled.discard(name)
        elif operation == JOB.create and exchange.ok and self.isolate and not known:
            self._isolate(name, prepared, exchange.sent_at)
        return exchange

    def _check_quarantine(self, name: Any) -> None:
        found = self.quarantined.get(name) if isinstance(name, str) else None
        if found is None:
            return
        from .checks.clauses import ISOLATION_ID

        if found.get("innocent"):
            raise Blocked("ListCompilationJobs/no-server-error/every-exchange",
                          f"job {name} was deleted by the run while it looked for a job breaking the listing")
        raise Blocked(ISOLATION_ID, f"job {name} was deleted by the run: while it existed, every "
                      "ListCompilationJobs answered a server error")

    def _probe(self, name: str | None = None) -> Exchange:
        """A listing of the job ``name`` (a page holding it is what a backend must build), or
        of the run's jobs."""
        self.probes += 1
        return self.caller.call(JOB.list.operation, {"NameContains": name or self.prefix, "MaxResults": 100},
                                observe=False)

    def _isolate(self, name: str, sent: dict[str, Any], since: float) -> None:
        """After an accepted Create: does the run's listing still answer? If not, and it does
        again once this job is deleted, the job is the cause: it is kept out of the backend
        from then on, reported once (checks.clauses.ISOLATION_ID), and the listing clauses are judged without
        it. One List per Create and no waiting (a running job is stopped, not waited for,
        unless it must end before it can be deleted).

        A culprit's ``window`` (wall clock, from its Create's sending to its deletion) is when
        the listing was broken by it: under xdist another worker's List may fall in it, and the
        run-wide clauses set such an answer aside (checks.clauses.merge)."""
        from .checks import get

        if self.list_broken:
            return
        check = get("leaves-list-working")
        first = self._probe(name)
        self.waiting.saw_listing(first)  # the new job's status, for the live-job bound, at no cost
        if check.passes(first) or check.passes(self._probe(name)):  # a second look: one 5xx may be a blip
            return
        deleted = self._delete_now(name)
        window = [since, time.time()]
        after = self._probe()
        if deleted and check.passes(after):
            self.quarantined[name] = {"origin": self.current_test, "request": _jsonable(sent),
                                      "probe": first.example(), "window": window}
            return
        self.list_broken = (f"ListCompilationJobs answers {after.describe()} also without job {name}: "
                            "the listing fails whatever jobs exist, so no job is isolated")
        if deleted:  # an innocent job, deleted before that was known: its tests are blocked
            self.quarantined[name] = {"origin": self.current_test, "request": _jsonable(sent),
                                      "probe": first.example(), "innocent": True}

    def isolation_state(self) -> dict[str, Any]:
        """What isolation found (JSON-able, for the run's results)."""
        return {"probes": self.probes, "quarantined": dict(self.quarantined), "list_broken": self.list_broken}

    def _delete_now(self, name: str) -> bool:
        exchange = self.caller.call(JOB.delete, {JOB.name_member: name}, observe=False)
        if exchange.error_code == "ValidationException":  # still running: stop, wait, delete
            self.caller.call(JOB.stop, {JOB.name_member: name}, observe=False)
            self.wait_terminal(name)
            exchange = self.caller.call(JOB.delete, {JOB.name_member: name}, observe=False)
        if exchange.ok or exchange.error_code == "ResourceNotFound":
            self.unsettled.discard(name)
            if name in self.created:
                self.created.remove(name)
            return True
        return False

    def made(self, name: str) -> None:
        """A Create of ``name`` was accepted: the job is this run's to clean up."""
        self.created.append(name)

    def forget(self, name: str) -> None:
        """``name`` was deleted by the one who made it (or is left to the final cleanup, which
        deletes what is still unsettled): no longer listed as created."""
        if name in self.created:
            self.created.remove(name)

    def accepted_elsewhere(self, name: str, sent: dict[str, Any], sent_at: float | None = None) -> None:
        """A Create of ``name`` sent outside :meth:`call` (the schemathesis bridge's) at
        ``sent_at`` (wall clock; default now) was accepted: the job is this run's, and isolation
        probes the listing after it as after any other, so a job that breaks List is found
        where it was made, not in later results."""
        self.made(name)
        if self.isolate:
            self._isolate(name, sent, time.time() if sent_at is None else sent_at)

    def refused(self, name: str) -> None:
        """A Create of ``name`` sent outside :meth:`call` was refused with a 4xx: no job."""
        self.unsettled.discard(name)

    def deleted(self, name: str) -> None:
        """A Delete of ``name`` sent outside :meth:`call` was accepted: nothing to clean up."""
        self.unsettled.discard(name)
        self.forget(name)

    def sending_create(self, name: str) -> None:
        """Record, before it is sent, that a Create of ``name`` may make a job (for requests
        that do not go through :meth:`call`, such as the schemathesis bridge's)."""
        self.unsettled.add(name)

    def prepare(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """The request as the backend will get it (``--backend aws`` puts the account's role and
        S3 locations into Create requests); a new dict, the caller's is not changed."""
        prepare = getattr(self.backend, "prepare", None)
        return prepare(operation, request) if prepare else request

    def send_create(self, request: dict[str, Any], hint: str = "", *,
                    name: str | None = None) -> tuple[dict[str, Any], Exchange]:
        """Send Create under a fresh name of this run (or ``name``, one the caller made of the
        run's prefix), unjudged (the caller judges the answer: ``scenarios.setup_job`` applies
        ``accepted``); an accepted job is recorded for cleanup."""
        sent = self.prepare(JOB.create, {**request, JOB.name_member: name or self.new_name(hint)})
        exchange = self.call(JOB.create, sent)
        if exchange.ok:
            self.made(sent[JOB.name_member])
        return sent, exchange

    #: Compilation jobs are one resource spec (conformance.resources), the deepest: the
    #: terminal statuses and the ones worth waiting on come from it.
    SPEC = JOB
    TERMINAL = waiting.TERMINAL
    WAITING = waiting.WAITING

    def wait_terminal(self, name: str, budget_s: float | None = None, interval_s: float = 0.2) -> str | None:
        """Poll Describe until the job is COMPLETED, FAILED or STOPPED; bounded by
        ``budget_s`` (default ``self.poll_budget``). Returns the last status seen."""
        reads = self.poll(name, budget_s=budget_s, interval_s=interval_s)
        return status_of(reads[-1]) if reads else None

    def poll(self, name: str, budget_s: float | None = None, interval_s: float = 0.2) -> list[Exchange]:
        """Describe the job until its status is no longer STARTING, INPROGRESS or STOPPING, or
        the budget (default ``self.poll_budget``) is spent; every read, in order
        (:meth:`Poller.wait <conformance.waiting.Poller.wait>`, which follows several at once)."""
        return self.waiting.wait([name], budget_s=budget_s, interval_s=interval_s)[name]

    def cleanup(self, only: list[str] | None = None) -> list[str]:
        """Delete this run's jobs, and nothing else. Returns what could not be deleted.

        ``only``: delete just these (no listing). A replay of cassettes created nothing, and a
        listing outside every test's cassette could not be answered: nothing to do there."""
        if only is None and getattr(self.backend, "offline", False):
            self.created.clear()
            self.unsettled.clear()
            return []
        names: set[str] = set(self.created) | self.unsettled if only is None else set(only)
        token: str | None = None
        for _ in range(0 if only is not None else MAX_CLEANUP_PAGES):
            request: dict[str, Any] = {"NameContains": self.prefix, "MaxResults": 100}
            if token:
                request["NextToken"] = token
            page = self.call(JOB.list.operation, request)
            if not page.ok or not isinstance(page.parsed, dict):
                break
            for summary in page.parsed.get(JOB.list.page, []):
                name = summary.get(JOB.list.name_member, "")
                if self.owns(name):
                    names.add(name)
            new_token = page.parsed.get("NextToken")
            if not new_token or new_token == token:
                break
            token = new_token
        # Never touch foreign jobs (only names of this run's prefix); running ones are stopped
        # at once and deleted once they all settled (waiting.Poller.delete_all).
        deleted, left = self.waiting.delete_all(sorted(n for n in names - set(self.quarantined) if self.owns(n)))
        for name in deleted:
            if name in self.created:
                self.created.remove(name)
        return left


__all__ = ["RunSession", "SpecLedger", "make_name", "run_prefix", "status_of"]


class SpecLedger:
    """A run's resources of any family, through its :class:`~conformance.resources.ResourceSpec`:
    names under the run's prefix, what was created, and cleanup (stop what runs, wait until
    settled, delete), touching only what carries the prefix or was made by this run."""

    def __init__(self, caller: Caller, prefix: str, poll_budget: float = 60.0) -> None:
        self.caller = caller
        self.prefix = prefix
        self.poll_budget = poll_budget
        self._counter = itertools.count(1)
        self._scope = ""
        self._hints: dict[str, Any] = {}
        #: What :meth:`wait_settled` reads and sleeps with (``monotonic``, ``sleep``); a sweep
        #: cassette notes the readings and a replay hands them back, so it polls as often.
        self.clock: Any = time
        #: family -> identifiers of what this run created and has not deleted (in order).
        self.live: dict[str, list[dict[str, Any]]] = {}
        self._specs: dict[str, Any] = {}

    def new_name(self, hint: str = "") -> str:
        counter = self._hints.setdefault(hint, itertools.count(1)) if self._scope else self._counter
        return make_name(self.prefix, next(counter), hint, self._scope)

    @contextlib.contextmanager
    def name_scope(self, key: str) -> Iterator[None]:
        """Names made inside are ``<prefix>-<digest of key>-[hint-]<n>``, counted per hint from 1,
        so a family's names depend neither on the families before it nor on which other
        scenarios ran (cassettes match requests by name)."""
        saved = self._scope, self._hints
        self._scope, self._hints = hashlib.sha1(key.encode("utf-8")).hexdigest()[:6], {}
        try:
            yield
        finally:
            self._scope, self._hints = saved

    def owns(self, name: Any) -> bool:
        return isinstance(name, str) and name.startswith(self.prefix + "-")

    def call(self, operation: str, request: dict[str, Any] | None = None, *, observe: bool = True) -> Exchange:
        return self.caller.call(operation, request or {}, observe=observe)

    def create(self, spec: Any, request: dict[str, Any]) -> Exchange:
        """Send Create; an accepted resource is recorded for cleanup (also one whose answer
        was lost: a 5xx or no response may still have made it, when it has our name)."""
        exchange = self.call(spec.create, request)
        ident = spec.ident(request, exchange.parsed if exchange.ok else None)
        named = spec.name_member and self.owns(request.get(spec.name_member))
        if ident and (exchange.ok or (named and not exchange.is_client_error)):
            self._specs[spec.family] = spec
            self.live.setdefault(spec.family, [])
            if ident not in self.live[spec.family]:
                self.live[spec.family].append(ident)
        return exchange

    def status(self, spec: Any, ident: dict[str, Any], *, observe: bool = True) -> str | None:
        exchange = self.call(spec.describe, ident, observe=observe)
        return spec.status_of(exchange.wire_or_none()) if exchange.ok else None

    def wait_settled(self, spec: Any, ident: dict[str, Any], budget_s: float | None = None, *,
                     observe: bool = True) -> str | None:
        """Poll Describe until the status is terminal (or there is none); bounded, with the
        run's pauses (:func:`conformance.waiting.rounds`) on the ledger's clock."""
        status = None
        clock = self.clock
        for _ in waiting.rounds(self.poll_budget if budget_s is None else budget_s,
                                sleep=clock.sleep, clock=clock.monotonic):
            status = self.status(spec, ident, observe=observe)
            if spec.settled(status):
                break
        return status

    def delete(self, spec: Any, ident: dict[str, Any], *, observe: bool = True) -> Exchange:
        """Stop a running resource, wait until it settles, delete it; forget it once gone.

        ``observe=False``: no wire clause judges these calls, for a resource made by a request
        that breaks a clause (its Describe echoes what it was given: that clause's finding,
        ``invalid-rejected``, not the output shape's)."""
        request = spec.request_for(spec.delete, ident)
        if request is None:
            return Exchange(spec.delete or f"Delete{spec.family}", dict(ident), None,
                            transport_error=f"{spec.family} has no Delete for {sorted(ident)}")
        if spec.terminal and not spec.settled(self.status(spec, ident, observe=observe)):
            stop = spec.request_for(spec.stop, ident)
            if stop is not None:
                self.call(spec.stop, stop, observe=observe)
            self.wait_settled(spec, ident, observe=observe)
        exchange = self.call(spec.delete, request, observe=observe)
        stop = spec.request_for(spec.stop, ident)
        if exchange.error_code == "ValidationException" and stop is not None:
            # Only a stopped resource can be deleted (a notebook instance InService): stop, wait, retry.
            self.call(spec.stop, stop, observe=observe)
            self.wait_settled(spec, ident, observe=observe)
            exchange = self.call(spec.delete, request, observe=observe)
        if exchange.ok or exchange.error_code in ("ResourceNotFound",):
            self.forget(spec, ident)
        return exchange

    def forget(self, spec: Any, ident: dict[str, Any]) -> None:
        known = self.live.get(spec.family, [])
        if ident in known:
            known.remove(ident)

    def cleanup(self) -> list[str]:
        """Delete what this run created, newest family first (a resource that needs another
        goes before it). Returns what could not be deleted."""
        left = []
        for family in reversed(list(self.live)):
            spec = self._specs[family]
            for ident in list(self.live[family]):
                exchange = self.delete(spec, ident)
                if not (exchange.ok or exchange.error_code in ("ResourceNotFound", "ValidationException")):
                    left.append(f"{family} {ident}")
                self.forget(spec, ident)
        return left
