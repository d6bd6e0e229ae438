"""Wire clauses: every exchange of the run judged clause by clause, each clause reported once.

A wire check (response-shape, undeclared-members, no-null-members, no-server-error,
error-contract, content-type) is not a test of its own: it judges every exchange the run
makes, whichever test made it. Its verdicts are split into clauses whose ids come from the
model (``ListCompilationJobs/response-shape/CompilationJobSummaries[].CompilationJobArn:required``)
or from the check itself (``StopCompilationJob/no-server-error/every-exchange``), so the set
of ids is the same on every run. A clause is

- *failed* with the first exchange that broke it (its example) and how often it broke,
- *passed* when some exchange exercised it (the member, or its parent for ``required``, was
  there to judge) and none broke it,
- *skipped* when no exchange of the run exercised it.

:class:`WireClauses` keeps plain JSON-able state, so pytest-xdist workers can ship it to
the controller, where :func:`merge` combines them.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from .. import overlays
from ..errors import CheckFailure
from ..exchange import Exchange
from .registry import CheckContext, get

#: Checks judged once per operation over every exchange: check -> (case, what exercises it).
SINGLE: dict[str, tuple[str, str]] = {
    "undeclared-members": ("body", "a 2xx"),
    "no-null-members": ("body", "a 2xx"),
    "no-server-error": ("every-exchange", "any exchange"),
    "error-contract": ("every-4xx", "a 4xx"),
    "content-type": ("success", "a 2xx with headers"),
}
SHAPE = "response-shape"
#: Single checks that read a 2xx body: not judged when it is not JSON.
_ON_THE_BODY = frozenset({"undeclared-members", "no-null-members"})
#: The operations whose every exchange is judged: the compilation-job API and job tagging.
JUDGED: tuple[str, ...] = ("CreateCompilationJob", "DescribeCompilationJob", "ListCompilationJobs",
                           "StopCompilationJob", "DeleteCompilationJob", "ListTags")
#: The clause a 2xx whose body is not JSON breaks.
NOT_JSON = "<output>:json"


def clause_result_id(operation: str, check: str, case: str) -> str:
    return f"{operation}/{check}/{case}"


def single_id(operation: str, check: str) -> str:
    """The result id of a one-clause wire check (``Op/no-server-error/every-exchange``)."""
    return clause_result_id(operation, check, SINGLE[check][0])


def _tokens(path: str) -> list[str]:
    """``"A[].B"`` -> ``["A", "[]", "B"]``."""
    out: list[str] = []
    for part in path.split("."):
        wild: list[str] = []
        while part[-2:] in ("[]", "{}"):
            wild.insert(0, part[-2:])
            part = part[:-2]
        out += ([part] if part else []) + wild
    return out


def _values(value: Any, tokens: list[str]) -> Iterator[Any]:
    """Every value at the wildcard path ``tokens`` (``[]`` every list member, ``{}`` every map value)."""
    if not tokens:
        yield value
        return
    head, rest = tokens[0], tokens[1:]
    if head == "[]":
        if isinstance(value, list):
            for item in value:
                yield from _values(item, rest)
    elif head == "{}":
        if isinstance(value, dict):
            for item in value.values():
                yield from _values(item, rest)
    elif isinstance(value, dict) and head in value:
        yield from _values(value[head], rest)


class _Shape:
    """The output clauses of one operation, with what exercises each."""

    def __init__(self, operation: str) -> None:
        import strategies

        from ..model import operation as model_op

        self.operation = operation
        self.shape = model_op(operation).output_shape
        self.rules = overlays.presence_rules(operation)
        self.clauses: dict[str, tuple[list[str], str, str, str]] = {}  # id -> (tokens, kind, basis, detail)
        if self.shape is None:
            return
        self.clauses[NOT_JSON] = ([], "json", "model", "the body of a 2xx is JSON")
        for clause in strategies.output_clauses(model_op(operation)):
            basis = "model"
            if clause.kind == "required" and clause.path in self.rules:
                if not self.rules[clause.path].must:
                    continue  # present or absent in every status: nothing to judge
                basis = self.rules[clause.path].basis
            self.clauses[clause.id] = (_tokens(clause.path), clause.kind, basis, clause.detail)
        for member, rule in self.rules.items():
            if rule.must_not:
                cid = f"{member}:absent-while-{'-'.join(sorted(rule.must_not))}"
                self.clauses[cid] = ([member], "absent", rule.basis, rule.why)

    def exercised(self, body: Any, status: Any) -> set[str]:
        out = set()
        for cid, (tokens, kind, _, _) in self.clauses.items():
            if kind == "json":
                out.add(cid)
            elif kind == "absent":
                rule = self.rules[tokens[0]]
                if status in rule.must_not:
                    out.add(cid)
            elif kind == "required" and tokens[0] in self.rules and len(tokens) == 1:
                if status in self.rules[tokens[0]].must:
                    out.add(cid)
            elif kind == "required":
                if any(isinstance(v, dict) for v in _values(body, tokens[:-1])):
                    out.add(cid)
            elif any(True for _ in _values(body, tokens)):
                out.add(cid)
        return out

    def broken(self, body: Any) -> dict[str, str]:
        """clause id -> message, for every clause ``body`` breaks."""
        import strategies

        from .wire import shape_problems

        out: dict[str, str] = {}
        for problem, message in shape_problems(self.operation, body, self.shape):
            if isinstance(problem, str):  # a presence rule of the overlay: its own clause id
                out.setdefault(problem, message)
                continue
            cid = strategies.clause_of(problem, self.shape, body)
            if cid in self.clauses:
                out.setdefault(cid, message)
        return out


#: InferenceImage of a real job for a cloud target: an ECR image URI (observed-aws).
_IMAGE_URI = re.compile(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^\s:]+(:[^\s]+)?")


def _placeholders(value: Any, path: tuple = ()) -> Iterator[tuple[str, str]]:
    """``(path, value)`` of every string member whose value is its own name
    (``"InferenceImage": "InferenceImage"``): an emulator's placeholder, not data."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and item == key:
                yield ".".join(path + (key,)), item
            else:
                yield from _placeholders(item, path + (key,))
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders(item, path + ("[]",))


def fidelity_notes(exchange: Exchange, body: Any) -> dict[str, dict[str, Any]]:
    """Fidelity notes a 2xx body gives (report ``notes``, never failures): placeholder values,
    and an InferenceImage that is not an image URI."""
    notes: dict[str, dict[str, Any]] = {}
    op = exchange.operation
    for path, value in _placeholders(body):
        notes[f"{op}/fidelity/{path}-placeholder"] = {"operation": op, "message": (
            f"{path} is {value!r}, its own member name: a placeholder, not what AWS would describe")}
    image = body.get("InferenceImage") if isinstance(body, dict) else None
    if isinstance(image, str) and image != "InferenceImage" and not _IMAGE_URI.fullmatch(image):
        notes[f"{op}/fidelity/InferenceImage-not-an-image-uri"] = {"operation": op, "message": (
            f"InferenceImage is {image[:120]!r}; real jobs for cloud targets are described with an ECR image "
            "URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>, observed-aws)")}
    return notes


class WireClauses:
    """Judges every exchange it is given; :meth:`state` is what a worker ships."""

    def __init__(self, operations: Iterable[str]) -> None:
        self.operations = tuple(operations)
        self._shapes = {op: _Shape(op) for op in self.operations}
        #: result id -> {"exercised": n, "broken": n, "first": {...} | None, ...}
        self.clauses: dict[str, dict[str, Any]] = {}
        #: note id -> fidelity note (report ``notes``)
        self.notes: dict[str, dict[str, Any]] = {}
        for op, shape in self._shapes.items():
            for cid, (_, kind, basis, detail) in shape.clauses.items():
                self._declare(op, SHAPE, cid, basis, f"{cid}: {detail}")
            for check, (case, exercised_by) in SINGLE.items():
                self._declare(op, check, case, get(check).basis, f"judged on {exercised_by}")

    def _declare(self, op: str, check: str, case: str, basis: str, detail: str) -> None:
        self.clauses[clause_result_id(op, check, case)] = {
            "operation": op, "check": check, "basis": basis, "detail": detail,
            "exercised": 0, "broken": 0, "first": None,
        }

    def _hit(self, rid: str, message: str | None, exchange: Exchange) -> None:
        entry = self.clauses[rid]
        entry["exercised"] += 1
        if message is not None and _may_be_isolations(exchange) and len(entry.setdefault("deferred", [])) < DEFERRED:
            # Judged at the merge: it may have been answered while another xdist worker's job
            # broke every listing (a culprit window of isolation), which is reported there.
            entry["deferred"].append({"at": [exchange.sent_at, exchange.answered_at],
                                      "message": message, "example": exchange.example()})
            return
        if message is not None:
            entry["broken"] += 1
            if entry["first"] is None:
                entry["first"] = {"message": message, "example": exchange.example()}

    def __call__(self, exchange: Exchange) -> None:
        op = exchange.operation
        if op not in self._shapes:
            return
        not_json = exchange.ok and not isinstance(exchange.wire_or_none(), (dict, list, str, int, float, bool))
        for check in SINGLE:
            if not_json and check in _ON_THE_BODY:
                continue  # one clause for a body that is not JSON: response-shape's <output>:json
            judge = get(check)
            try:
                applied = judge(exchange, CheckContext())
            except CheckFailure as failure:
                self._hit(single_id(op, check), failure.message, exchange)
            else:
                if applied:
                    self._hit(single_id(op, check), None, exchange)
        if exchange.ok:
            self._judge_shape(self._shapes[op], exchange)

    def _judge_shape(self, shape: _Shape, exchange: Exchange) -> None:
        if shape.shape is None:
            return
        try:
            body = exchange.wire()
        except ValueError as exc:
            self._hit(clause_result_id(shape.operation, SHAPE, NOT_JSON),
                      f"the body of a 2xx is not JSON ({exc}): {exchange.raw_body[:200]!r}\n  exchange: "
                      f"{exchange.describe()}", exchange)
            return
        for note_id, note in fidelity_notes(exchange, body).items():
            self.notes.setdefault(note_id, {"id": note_id, **note})
        status = body.get("CompilationJobStatus") if isinstance(body, dict) else None
        broken = shape.broken(body)
        for cid in shape.exercised(body, status) | set(broken):
            message = broken.get(cid)
            self._hit(clause_result_id(shape.operation, SHAPE, cid),
                      None if message is None else f"{message}\n  exchange: {exchange.describe()}", exchange)

    def state(self) -> dict[str, Any]:
        return {"clauses": self.clauses, "notes": self.notes}


#: At most this many failed hits of a clause wait for the merge (a few at a window's edge are
#: what a race of workers makes; beyond, the listing is broken whatever jobs exist).
DEFERRED = 200


def _may_be_isolations(exchange: Exchange) -> bool:
    """A listing broken the way isolation's probe sees a job break it (a 5xx, no answer)."""
    from ..waiting import JOB

    return exchange.operation == JOB.list.operation and not get("leaves-list-working").passes(exchange)


def merge(states: Iterable[dict[str, Any]], windows: Iterable[tuple[str, list[float]]] = ()) -> dict[str, Any]:
    """One state from several workers': counts add up, the first failure found is kept.

    ``windows``: ``(job, [from, to])`` while which a job of the run broke every listing
    (isolation's culprits, of any worker). A listing's server error answered inside one is that
    job's doing, reported once by isolation: it is set aside, not a failure of the clause. In
    one process only isolation's own unjudged probes run inside a window; under xdist another
    worker's listing can."""
    windows = list(windows)
    out: dict[str, dict[str, Any]] = {}
    notes: dict[str, dict[str, Any]] = {}
    for state in states:
        for note_id, note in state["notes"].items():
            notes.setdefault(note_id, note)
        for rid, entry in state["clauses"].items():
            known = out.setdefault(rid, {**entry, "exercised": 0, "broken": 0, "first": None, "set_aside": []})
            known["exercised"] += entry["exercised"]
            known["broken"] += entry["broken"]
            known["set_aside"] += entry.get("set_aside", [])
            if known["first"] is None:
                known["first"] = entry["first"]
            for hit in entry.get("deferred", ()):
                job = next((j for j, (start, end) in windows if hit["at"][0] <= end and hit["at"][1] >= start), None)
                if job is not None:
                    known["set_aside"].append(job)
                    known["exercised"] -= 1  # not judged on it
                    continue
                known["broken"] += 1
                if known["first"] is None:
                    known["first"] = {"message": hit["message"], "example": hit["example"]}
    for entry in out.values():
        entry.pop("deferred", None)
    return {"clauses": out, "notes": notes}


def culprit_windows(states: Iterable[dict[str, Any]]) -> list[tuple[str, list[float]]]:
    """The windows of isolation's culprits in the isolation states of a run's processes."""
    return [(name, q["window"]) for s in states for name, q in s["quarantined"].items()
            if not q.get("innocent") and q.get("window")]


def results(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Report results (report.schema.json) of a merged state (one process's state is merged
    here, without windows: a listing it could not judge yet then counts)."""
    if any("deferred" in entry for entry in state["clauses"].values()):
        state = merge([state])
    out = []
    for rid, entry in state["clauses"].items():
        operation, check, _ = rid.split("/", 2)
        result: dict[str, Any] = {"id": rid, "operation": operation, "check": check,
                                  "basis": entry["basis"], "duration_s": None}
        if entry["broken"]:
            first = entry["first"]
            result.update(outcome="failed", example=first["example"], message=(
                f"{first['message']}\n  broken by {entry['broken']} of {entry['exercised']} exchanges judged"))
        elif entry["exercised"]:
            result.update(outcome="passed", message=None)
        else:
            result.update(outcome="skipped",
                          message=f"no exchange of the run exercised this clause ({entry['detail']})")
        if entry.get("set_aside"):
            jobs = sorted(set(entry["set_aside"]))
            aside = (f"{len(entry['set_aside'])} exchange(s) set aside: answered while job(s) "
                     f"{', '.join(jobs[:3])}{' ...' if len(jobs) > 3 else ''} of the run broke every "
                     f"listing (reported by {ISOLATION_ID})")
            result["message"] = f"{result['message']}\n  {aside}" if result["message"] else aside
        out.append(result)
    return out


#: Where a job whose presence breaks later listings is reported (RunSession.CASCADE_ID).
ISOLATION_ID = "CreateCompilationJob/leaves-list-working/later-listings"


def isolation_result(states: list[dict[str, Any]]) -> dict[str, Any]:
    """The one result of isolation: passed when every accepted Create left the run's listing
    answering; failed with the first Create request after which it did not (and that
    deleting the job mended it), naming the result whose test made each such job."""
    probes = sum(s["probes"] for s in states)
    culprits = [(name, q) for s in states for name, q in s["quarantined"].items() if not q.get("innocent")]
    broken = next((s["list_broken"] for s in states if s["list_broken"]), None)
    result: dict[str, Any] = {"id": ISOLATION_ID, "operation": "CreateCompilationJob",
                              "check": "leaves-list-working", "basis": get("leaves-list-working").basis,
                              "duration_s": None}
    if culprits:
        # the smallest Create request that did it is the example (the minimal failing request)
        name, first = min(culprits, key=lambda c: len(repr(c[1]["request"])))
        lines = [f"{len(culprits)} accepted job(s) made every later ListCompilationJobs of the run answer "
                 "a server error until the run deleted them; later listings were judged without them:"]
        lines += [f"  {n} (created by {q['origin'] or '?'})" for n, q in culprits[:10]]
        if len(culprits) > 10:
            lines.append(f"  ... and {len(culprits) - 10} more")
        lines.append(f"  the listing answered: HTTP {first['probe']['response']['status']} "
                     f"{first['probe']['response']['transport_error'] or first['probe']['response']['body'][:200]}")
        result.update(outcome="failed", message="\n".join(lines),
                      example={"operation": "CreateCompilationJob", "request": first["request"],
                               "then": first["probe"]})
    elif broken:
        result.update(outcome="skipped", message=f"not judged: {broken}")
    elif probes:
        result.update(outcome="passed", message=None)
    else:
        result.update(outcome="skipped", message="no Create was accepted: nothing to probe")
    return result


#: Checks whose results are judged over every exchange of the run, not by one test.
RUN_WIDE_CHECKS = frozenset(SINGLE) | {SHAPE, "leaves-list-working"}


def is_run_wide(result: dict[str, Any]) -> bool:
    return result["check"] in RUN_WIDE_CHECKS
