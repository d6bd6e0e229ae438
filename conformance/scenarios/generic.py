"""Generic scenarios: how to reach, for one resource family, the exchanges the generic checks judge.

Every result id comes from the spec and the model (``CreateModel/duplicate-name/second-create``,
``ListModels/filter-oracle/SortBy=Name,SortOrder=Descending``,
``CreateModel/invalid-rejected/PrimaryContainer.Image:pattern``), never from a draw. Requests
are the first ones Hypothesis draws (derandomized: the simplest), so one backend gives the same verdicts on
every run; failures carry them as minimal examples.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from hypothesis import HealthCheck, Phase, given, settings

from ..checks import CheckContext, get
from ..checks.errors import not_implemented
from ..checks.roundtrip import kept_members
from ..errors import CheckFailure
from ..exchange import Exchange
from ..model import operation
from ..resources import ResourceSpec
from ..session import SpecLedger

#: Derandomized, no database, one example: the first request Hypothesis draws.
_SIMPLEST = settings(database=None, derandomize=True, max_examples=1, phases=[Phase.generate],
                     suppress_health_check=list(HealthCheck), deadline=None)
#: A walk that never ends fails after this many pages instead of hanging the sweep.
PAGE_BOUND = 20
#: Resources a family makes for the listing checks (the pagination walk needs more than its limit).
LISTED = 3

#: Additions to the simplest Create where AWS needs more than the model states (aws-docs:
#: a ProductionVariant names an InstanceType unless it is serverless; a Pipeline needs a
#: definition, inline or in S3). Paths as in resources.NEEDS.
REQUEST_OVERLAY: dict[str, dict[str, Any]] = {
    "EndpointConfig": {"ProductionVariants[].InstanceType": "ml.m5.large"},
    "Pipeline": {"PipelineDefinition": '{"Version": "2020-12-01", "Steps": []}'},
}

#: The generic checks a sweep can run, in report order (the coverage matrix's columns).
CHECKS = ("implemented", "accepted", "roundtrip", "listed-once", "pagination-walk", "filter-oracle",
          "missing-resource", "duplicate-name", "invalid-rejected", "gone-after-delete",
          "response-shape", "undeclared-members", "no-null-members", "no-server-error")


#: A sweep cassette's draws (conformance.cassettes.sweep.Draws) while one is in use: it notes
#: each ``simplest`` value under its key, or hands back the recorded one. None: drawn here.
DRAWS: Any = None


def simplest(strategy: Any, key: str | None = None) -> Any:
    """The first value Hypothesis draws from ``strategy``: derandomized (seeded from this
    function's own source), so the same on every run. Through ``@given`` rather than
    ``find``, which describes its condition and the value found (a third of a sweep's CPU).
    ``key`` names the draw in a sweep cassette (default: the strategy's repr)."""
    if DRAWS is not None:
        return DRAWS.simplest(key or repr(strategy), lambda: _first(strategy))
    return _first(strategy)


def _first(strategy: Any) -> Any:
    found: list[Any] = []

    @_SIMPLEST
    @given(strategy)
    def first(value: Any) -> None:
        if not found:
            found.append(value)

    first()
    return found[0]


@functools.cache
def _create_request(op: str, present: tuple[str, ...] = ()) -> dict[str, Any]:
    """The simplest model-valid request of ``op``; with ``present``, the simplest holding
    those top-level members too (the strategies' Present narrowing, added to the operation's
    own rules), or the simplest one when they cannot all be drawn together."""
    import strategies
    from strategies._overlays import OPERATIONS, Present

    if not present:
        return simplest(strategies.requests(operation(op)), key=op)
    own = OPERATIONS.get("sagemaker", {}).get(op, {}).get("", ())
    rules = (own if isinstance(own, tuple | list) else (own,)) + tuple(Present(m) for m in present)
    try:
        return simplest(strategies.requests(operation(op), overlays={"": tuple(rules)}), key=f"{op}+present")
    except Exception:  # noqa: BLE001 - an impossible combination: the simplest request will do
        return simplest(strategies.requests(operation(op)), key=op)


def set_path(request: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` (``A.B``, ``A[].B`` every item of list A) in place."""
    head, _, rest = path.partition(".")
    key = head.removesuffix("[]")
    if head.endswith("[]"):
        for item in request.get(key) or []:
            if isinstance(item, dict):
                set_path(item, rest, value)
    elif rest:
        set_path(request.setdefault(key, {}), rest, value)
    else:
        request[key] = value


@dataclass
class FamilyRun:
    """The results of one family's sweep, and what the coverage matrix says of it."""

    spec: ResourceSpec
    results: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    #: implemented | not implemented | crashes | needs setup | costly (not created)
    status: str = "implemented"

    def result(self, op: str, check: str, case: str, outcome: str, *, basis: str | None = None,
               message: str | None = None, example: Any = None) -> None:
        r = {"id": f"{op}/{check}/{case}", "operation": op, "check": check, "outcome": outcome,
             "message": message, "duration_s": None, "basis": basis or _basis(check, op, self.spec)}
        if example is not None:
            r["example"] = example
        self.results.append(r)

    def judge(self, check_name: str, exchange: Exchange, case: str, ctx: CheckContext | None = None,
              op: str | None = None) -> bool:
        """Run a registered check on ``exchange`` and record its result under ``case``. A
        server error is the ``no-server-error`` clause's finding (judged on every exchange):
        here it blocks the result instead of failing it a second time."""
        check = get(check_name)
        name = check.name
        if (exchange.status is None or exchange.status >= 500) and name not in _OWN_SERVER_ERRORS:
            blocker = f"{exchange.operation}/no-server-error/every-exchange"
            self.result(op or exchange.operation, name, case, "skipped",
                        message=f"blocked by {blocker}: {exchange.describe()}")
            self.results[-1]["blocked_by"] = blocker
            return False
        try:
            applied = check(exchange, ctx)
        except CheckFailure as failure:
            self.result(op or exchange.operation, name, case, "failed", basis=failure.basis,
                        message=failure.message, example=failure.example)
            return False
        self.result(op or exchange.operation, name, case, "passed" if applied else "skipped",
                    message=None if applied else f"{check_name} does not apply to {exchange.describe()}")
        return applied

    def skip(self, op: str, check: str, case: str, why: str) -> None:
        self.result(op, check, case, "skipped", message=why)

    def note(self, suffix: str, op: str, message: str) -> None:
        self.notes.append({"id": f"{op}/sweep/{suffix}", "operation": op, "message": message})


#: Checks whose own subject is a server error (the rest are blocked by one).
_OWN_SERVER_ERRORS = frozenset({"implemented", "no-server-error", "invalid-rejected"})


def _basis(check: str, op: str, spec: ResourceSpec) -> str:
    """The basis of ``check`` on ``op`` of the family ``spec`` (for results without a failure)."""
    try:
        return get(check).basis_for(op, CheckContext(spec=spec))
    except Exception:  # noqa: BLE001 - a registry miss: the sweep's own bookkeeping results
        return "assumption"


class Sweeper:
    """Runs the generic scenarios of one family against a session's caller and ledger."""

    def __init__(self, ledger: SpecLedger, run: FamilyRun, made: dict[str, dict[str, Any]],
                 clauses: Iterable[str] | None = None) -> None:
        self.ledger = ledger
        self.call = ledger.call
        self.run = run
        self.spec = run.spec
        #: family -> identifier of a resource made for another family's setup (shared).
        self.made = made
        #: invalid-rejected: only these input clauses (default every one).
        self.clauses = set(clauses) if clauses is not None else None

    # -- building blocks ---------------------------------------------------------------------
    def create_request(self, hint: str, present: Iterable[str] = ()) -> dict[str, Any] | None:
        """The simplest model-valid Create of the family (holding the top-level members
        ``present``, where the model allows) under a fresh name of the run, with its declared
        setup; None when a resource it needs could not be made."""
        import copy

        request = copy.deepcopy(_create_request(self.spec.create, tuple(present)))
        for path, value in REQUEST_OVERLAY.get(self.spec.family, {}).items():
            set_path(request, path, value)
        for path, family in self.spec.needs.items():
            ident = self.made.get(family)
            if not ident:
                return None
            set_path(request, path, next(iter(ident.values())))
        if self.spec.name_member:
            request[self.spec.name_member] = self.ledger.new_name(hint)
        return request

    def create(self, request: dict[str, Any]) -> tuple[Exchange, dict[str, Any]]:
        exchange = self.ledger.create(self.spec, request)
        ident = self.spec.ident(request, exchange.parsed if exchange.ok else None)
        return exchange, ident

    def describe(self, ident: dict[str, Any]) -> Exchange:
        return self.call(self.spec.describe, ident)

    # -- scenarios -----------------------------------------------------------------------------
    def sweep(self, checks: Iterable[str] | None = None) -> None:
        """Every wanted scenario of the family, once its first Create is accepted."""
        wanted = set(checks or CHECKS)
        first = self.create_request("a")
        reached = self.reach(first)
        if reached is None:
            return
        self.made.setdefault(self.spec.family, reached)
        if "roundtrip" in wanted:
            self.roundtrip(first, reached)
        if self.spec.list and wanted & {"listed-once", "pagination-walk", "filter-oracle"}:
            self.listing([(first, reached), *self.more(LISTED - 1)], wanted)
        if "missing-resource" in wanted:
            self.missing()
        if "duplicate-name" in wanted:
            self.duplicate(first)
        if "invalid-rejected" in wanted:
            self.invalid()
        if "gone-after-delete" in wanted:
            self.gone()

    def reach(self, first: dict[str, Any] | None) -> dict[str, Any] | None:
        """Send the first Create; its identifier when the family can be swept, else None
        after one result saying why (needs setup, not implemented, crashes, refuses): one
        result, not a cascade."""
        spec, run = self.spec, self.run
        if first is None:
            run.status = "needs setup"
            needed = ", ".join(f"{f} (for {p})" for p, f in spec.needs.items())
            run.skip(spec.create, "accepted", "minimal-request", f"needs setup: {needed} could not be created")
            run.note("needs-setup", spec.create, f"{spec.family} needs {needed}, which this run could not create")
            return None
        exchange, ident = self.create(first)
        if not_implemented(exchange):
            run.status = "not implemented"
            run.skip(spec.create, "implemented", "minimal-request",
                     f"not implemented by the backend: {exchange.transport_error or exchange.describe()}")
            return None
        if not run.judge("implemented", exchange, "minimal-request"):
            run.status = "crashes"
            return None
        if not run.judge("accepted", exchange, "minimal-request") or not exchange.ok:
            run.status = "refuses"
            return None
        if set(ident) != set(spec.identifier):
            run.skip(spec.describe, "roundtrip", "identifier", f"Create's answer lacks the identifier "
                     f"{sorted(set(spec.identifier) - set(ident))}: the resource cannot be described")
            return None
        return ident

    def more(self, n: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``n`` more resources of the family (for the listings), those accepted."""
        out = []
        for _ in range(n):
            request = self.create_request("b")
            exchange, ident = self.create(request)
            if exchange.ok:
                out.append((request, ident))
        return out

    def roundtrip(self, sent: dict[str, Any], ident: dict[str, Any]) -> None:
        """One result per Create member Describe returns under the same name, judged on a
        resource created with every such member (the simplest request holding them all);
        where the backend refuses that one, on the simplest resource (``sent``)."""
        spec = self.spec
        common = kept_members(spec)
        rich = self.create_request("rt", present=common)
        if rich is not None and rich != sent:
            exchange, rich_ident = self.create(rich)
            if exchange.ok and set(rich_ident) == set(spec.identifier):
                sent, ident = rich, rich_ident
        described = self.describe(ident)
        for member in common:
            if member not in sent:
                self.run.skip(spec.describe, "roundtrip", member, "no accepted Create sent it")
                continue
            self.run.judge("roundtrip", described, member,
                           CheckContext(sent=sent, expect={"member": member}, spec=spec))

    def _walk(self, request: dict[str, Any]) -> tuple[list[Exchange], bool]:
        """Every page of a listing (bounded); True when the bound was hit."""
        lst = self.spec.list
        pages: list[Exchange] = []
        token = None
        for _ in range(PAGE_BOUND):
            page = self.call(lst.operation, {**request, **({lst.token: token} if token else {})})
            pages.append(page)
            body = page.wire_or_none()
            new = body.get(lst.token) if page.ok and isinstance(body, dict) else None
            if not new or new == token:
                return pages, False
            token = new
        return pages, True

    def _ours(self, extra: dict[str, Any] | None = None) -> tuple[list[Exchange], list[dict[str, Any]]]:
        """A listing of the run's resources (NameContains the prefix where declared), and the
        run's own summaries in it, in listed order."""
        lst = self.spec.list
        request = dict(extra or {})
        if "NameContains" in lst.filters:
            request.setdefault("NameContains", self.ledger.prefix)
        pages, _ = self._walk(request)
        items = []
        for page in pages:
            body = page.wire_or_none()
            for s in (body.get(lst.page) or []) if isinstance(body, dict) else []:
                if isinstance(s, dict) and self.ledger.owns(s.get(lst.name_member)):
                    items.append(s)
        return pages, items

    def listing(self, created: list[tuple[dict[str, Any], dict[str, Any]]], wanted: set[str]) -> None:
        spec, lst, run = self.spec, self.spec.list, self.run
        if lst.name_member is None:
            for check in ("listed-once", "pagination-walk", "filter-oracle"):
                run.skip(lst.operation, check, "summary-name", f"the {lst.summary} summary names no member "
                         "the identifier of Create has: items cannot be told apart")
            return
        names = [r[spec.name_member] for r, _ in created] if spec.name_member else []
        if "listed-once" in wanted and names:
            pages, _ = self._ours()
            run.judge("listed-once", pages[0], "created-name",
                      CheckContext(expect={"pages": pages, "live": names[:1]}, spec=spec), op=lst.operation)
        if "pagination-walk" in wanted and lst.limit:
            request = {lst.limit: 1}
            if "NameContains" in lst.filters:
                request["NameContains"] = self.ledger.prefix
            pages, bounded = self._walk(request)
            run.judge("pagination-walk", pages[0], f"{lst.limit}=1", CheckContext(expect={
                "pages": pages, "k": 1, "expected": names, "bounded": bounded, "owned": self.ledger.owns},
                spec=spec), op=lst.operation)
        if "filter-oracle" in wanted:
            self.filters(names)

    def _oracle(self, case: str, request: dict[str, Any], want: Callable[[list[dict[str, Any]]], list[Any]],
                project: Callable[[dict[str, Any]], Any], ordered: bool = False) -> None:
        lst = self.spec.list
        everything = self._ours()[1]
        pages, items = self._ours(request)
        self.run.judge("filter-oracle", pages[-1], case, CheckContext(expect={
            "got": [project(s) for s in items], "oracle": want(everything), "ordered": ordered,
            "what": f"{lst.operation} {request}"}, spec=self.spec), op=lst.operation)

    def filters(self, names: list[str]) -> None:
        lst, run = self.spec.list, self.run
        nm = lst.name_member
        by_name = lambda s: s.get(nm)  # noqa: E731
        if "NameContains" in lst.filters and len(names) > 1:
            needle = names[-1]
            self._oracle("NameContains", {"NameContains": needle},
                         lambda all_: [s.get(nm) for s in all_ if needle in s.get(nm, "")], by_name)
        if lst.limit:
            first = self.call(lst.operation, {lst.limit: 1, **({"NameContains": self.ledger.prefix}
                                                               if "NameContains" in lst.filters else {})})
            body = first.wire_or_none()
            count = len((body.get(lst.page) or []) if isinstance(body, dict) else [])
            run.judge("filter-oracle", first, lst.limit, CheckContext(expect={
                "got": [count <= 1], "oracle": [True], "what": f"{lst.operation} {lst.limit}=1 (items on the first page: {count})"},
                spec=self.spec), op=lst.operation)
        keys = _sort_keys(self.spec)
        orders = ("Ascending", "Descending") if "SortOrder" in lst.filters else ()
        for sort_by in (lst.sort_by or ((None,) if orders else ())):
            member = keys.get(sort_by) if sort_by else keys.get("CreationTime")
            for order in orders:
                case = f"SortBy={sort_by},SortOrder={order}" if sort_by else f"SortOrder={order}"
                if member is None:
                    run.skip(lst.operation, "filter-oracle", case, f"no summary member to sort by {sort_by}")
                    continue
                request = {"SortOrder": order, **({"SortBy": sort_by} if sort_by else {})}
                key = lambda s, m=member: s.get(m)  # noqa: E731
                self._oracle(case, request, lambda all_, k=key, o=order: sorted(
                    (k(s) for s in all_), key=_sortable, reverse=o == "Descending"), key, ordered=True)
        status_member = keys.get("Status")
        if "StatusEquals" in lst.filters and status_member:
            statuses = [s.get(status_member) for s in self._ours()[1]]
            value = next((v for v in statuses if v in lst.status_values), None)
            if value is None:
                run.skip(lst.operation, "filter-oracle", "StatusEquals", "no resource of the run shows a status")
            else:
                self._oracle("StatusEquals", {"StatusEquals": value},
                             lambda all_: [s.get(nm) for s in all_ if s.get(status_member) == value], by_name)
        for window in ("CreationTime", "LastModifiedTime"):
            member = keys.get(window)
            if f"{window}After" not in lst.filters or member is None:
                continue
            times = [s.get(member) for s in self._ours()[1] if isinstance(s.get(member), int | float)]
            if not times:
                run.skip(lst.operation, "filter-oracle", f"{window}After", f"no summary shows {member}")
                continue
            early = min(times) - 60
            self._oracle(f"{window}After", {f"{window}After": early},
                         lambda all_: [s.get(nm) for s in all_], by_name)
            if f"{window}Before" in lst.filters:
                self._oracle(f"{window}Before", {f"{window}Before": early}, lambda all_: [], by_name)

    def missing(self) -> None:
        spec = self.spec
        if not spec.name_member or spec.assigned:
            self.run.skip(spec.describe, "missing-resource", "never-created",
                          "the identifier is assigned by the backend: no name to ask for")
            return
        ident = {m: self.ledger.new_name("missing") for m in spec.identifier}
        for op in (spec.describe, spec.delete, spec.stop):
            request = spec.request_for(op, ident)
            if request is not None:
                self.run.judge("missing-resource", self.call(op, request), "never-created")

    def duplicate(self, first: dict[str, Any]) -> None:
        spec = self.spec
        if not spec.name_member or spec.name_member not in spec.identifier:
            self.run.skip(spec.create, "duplicate-name", "second-create",
                          "the backend assigns the identifier: a second Create makes a second resource")
            return
        again = self.ledger.create(self.spec, dict(first))
        self.run.judge("duplicate-name", again, "second-create")

    def invalid(self) -> None:
        import strategies

        spec, run = self.spec, self.run
        model = operation(spec.create)
        for clause in strategies.clauses(model):
            if self.clauses is not None and clause.id not in self.clauses:
                continue
            top = clause.path.split(".")[0].removesuffix("[]")
            if top == spec.name_member or top in spec.needs or clause.path in REQUEST_OVERLAY.get(spec.family, {}):
                run.skip(spec.create, "invalid-rejected", clause.id, "not safely: the name or a member the "
                         "sweep sets itself (the run's prefix, a resource it needs)")
                continue
            why = strategies.clause_sendable(clause)
            if why:
                run.skip(spec.create, "invalid-rejected", clause.id, why)
                continue
            try:
                request, violation = simplest(strategies.invalid_requests(model, clause=clause),
                                              key=f"{spec.create}/invalid/{clause.id}")
            except Exception as exc:  # noqa: BLE001 - no such draw: say so, never fail the backend
                run.skip(spec.create, "invalid-rejected", clause.id, f"no request breaks it alone: {exc}")
                continue
            for path, family in spec.needs.items():
                if family in self.made:
                    set_path(request, path, next(iter(self.made[family].values())))
            if spec.name_member:
                request[spec.name_member] = self.ledger.new_name("x")
            exchange = self.ledger.create(spec, request)
            made = spec.ident(request, exchange.parsed) if exchange.ok else None
            run.judge("invalid-rejected", exchange, clause.id,
                      CheckContext(expect={"violation": violation, "created": made}))
            if made:  # its reads are this clause's own, as in the run's (suite/test_clauses.py)
                self.ledger.delete(spec, made, observe=False)

    def gone(self) -> None:
        """Delete a resource of its own (the first one may be what another family needs, a
        Model for an EndpointConfig), then look for it."""
        spec, run = self.spec, self.run
        first = self.create_request("gone")
        created, ident = self.create(first)
        if not created.ok or set(ident) != set(spec.identifier):
            run.skip(spec.describe, "gone-after-delete", "after-delete", f"no resource to delete: {created.describe()}")
            return
        if spec.request_for(spec.delete, ident) is None:
            run.skip(spec.describe, "gone-after-delete", "after-delete", f"{spec.family} has no Delete for this identifier")
            return
        deleted = self.ledger.delete(spec, ident)
        if not deleted.ok:
            run.skip(spec.describe, "gone-after-delete", "after-delete",
                     f"the Delete was not accepted: {deleted.describe()}")
            return
        run.judge("gone-after-delete", self.describe(ident), "after-delete", CheckContext(spec=spec))
        lst = spec.list
        if lst and lst.name_member and spec.name_member:
            name = first[spec.name_member]
            pages, _ = self._ours({"NameContains": name} if "NameContains" in lst.filters else None)
            run.judge("gone-after-delete", pages[-1], "after-delete",
                      CheckContext(expect={"pages": pages, "name": name}, spec=spec), op=lst.operation)


def _sortable(value: Any) -> tuple:
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def _sort_keys(spec: ResourceSpec) -> dict[str, str]:
    """SortBy value -> the summary member it sorts by (``Name``, ``CREATION_TIME``, ``Status``)."""
    from ..model import service_model

    members = service_model().shape_for(spec.list.summary).members
    out: dict[str, str] = {}
    time_member = next((m for m in ("CreationTime", "CreateDate", "CreatedTime") if m in members), None)
    status = spec.status_member if spec.status_member in members else next(
        (m for m in members if m.endswith("Status")), None)
    for value in (*spec.list.sort_by, "Name", "CreationTime", "Status", "LastModifiedTime"):
        norm = value.replace("_", "").lower()
        if norm.endswith("name") and norm in ("name", f"{spec.family.lower()}name", "imagename", "hubname"):
            out[value] = spec.list.name_member
        elif norm in ("creationtime", "createdate") and time_member:
            out[value] = time_member
        elif norm.endswith("status") and status and norm in ("status", spec.status_member.lower() if spec.status_member else "-"):
            out[value] = status
        elif norm == "lastmodifiedtime" and "LastModifiedTime" in members:
            out[value] = "LastModifiedTime"
    return {k: v for k, v in out.items() if v}
