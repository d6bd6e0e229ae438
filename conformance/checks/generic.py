"""Generic checks: the same contract for every resource family of a :class:`ResourceSpec`.

The compilation-job checks know their members by name; these read what to compare from the
spec in ``ctx.expect['spec']`` (page member, summary name member, identifier), so one body
judges Model, Experiment or TransformJob alike. Registered as ``generic-<name>``; a sweep
result carries the plain name (``CreateModel/duplicate-name/second-create``), see
:func:`concept`.
"""

from __future__ import annotations

from typing import Any

from .. import overlays
from ..exchange import Exchange
from ..model import operation
from .behaviour import each_once
from .registry import Check, CheckContext, Mismatch, always, register

PREFIX = "generic-"


def concept(check: Check | str) -> str:
    """The name a sweep result id carries: ``generic-duplicate-name`` -> ``duplicate-name``."""
    name = check if isinstance(check, str) else check.name
    return name.removeprefix(PREFIX)


def not_implemented(exchange: Exchange) -> bool:
    """The backend says it does not implement the operation (moto raises NotImplementedError
    in-process, or answers 5xx saying so over HTTP)."""
    text = f"{exchange.transport_error or ''} {exchange.raw_body[:500]!r}".lower()
    return (exchange.status is None or exchange.status >= 500) and (
        "notimplemented" in text.replace(" ", "") or "not been implemented" in text or "not implemented" in text)


@register(f"{PREFIX}implemented", basis="assumption", applies=lambda e: not not_implemented(e))
def implemented(exchange: Exchange, ctx: CheckContext) -> None:
    """Create of a model-valid request answers below 500. A backend that does not implement
    the family is one skipped result (the check does not apply); one that implements it and
    crashes fails here once, and the family's other checks are not run (no cascade)."""
    if exchange.status is None or exchange.status >= 500:
        raise Mismatch(f"a model-valid Create crashed the backend: {exchange.transport_error or exchange.describe()} "
                       f"(body {exchange.raw_body[:200]!r})")


def _duplicate_codes(op: str) -> set[str]:
    declared = {shape.name for shape in operation(op).error_shapes}
    return ({"ResourceInUse"} & declared) | {"ValidationException"}


@register(f"{PREFIX}duplicate-name", basis="model", applies=always)
def duplicate_name(exchange: Exchange, ctx: CheckContext) -> None:
    """A second Create with the name of an existing resource is refused with a 4xx:
    ResourceInUse where the operation declares it (basis model), else ValidationException,
    the common code SageMaker uses for requests it refuses (basis assumption: no real answer
    for such a duplicate is recorded here). Accepting it overwrites or doubles the resource."""
    codes = _duplicate_codes(exchange.operation)
    basis = "model" if "ResourceInUse" in codes else "assumption"
    if exchange.ok:
        raise Mismatch(f"a second Create with an existing name was accepted: {exchange.describe()}", basis=basis)
    if not exchange.is_client_error or exchange.error_code not in codes:
        raise Mismatch(f"a duplicate name was answered {exchange.describe()} (expected 400 "
                       f"{' or '.join(sorted(codes))})", basis=basis)


def lookup_subset(sent: Any, got: Any, path: str = "") -> list[str]:
    """Where ``got`` does not hold what ``sent`` holds: every member sent comes back equal;
    members the backend adds (defaults) are not differences; lists compare item by item."""
    if isinstance(sent, dict):
        if not isinstance(got, dict):
            return [f"{path or '<member>'}: sent {sent!r:.120}, got {got!r:.120}"]
        return [d for key, value in sent.items()
                for d in (lookup_subset(value, got[key], f"{path}.{key}".lstrip("."))
                          if key in got else [f"{path}.{key}".lstrip(".") + ": sent, Describe omits it"])]
    if isinstance(sent, list):
        if not isinstance(got, list) or len(got) != len(sent):
            return [f"{path}: sent {len(sent)} items {sent!r:.120}, got {got!r:.120}"]
        return [d for i, (a, b) in enumerate(zip(sent, got)) for d in lookup_subset(a, b, f"{path}[{i}]")]
    if sent != got and not (isinstance(sent, int | float) and isinstance(got, int | float) and float(sent) == float(got)):
        return [f"{path}: sent {sent!r:.120}, got {got!r:.120}"]
    return []


@register(f"{PREFIX}roundtrip", basis="assumption", applies=always)
def roundtrip(exchange: Exchange, ctx: CheckContext) -> None:
    """The Create member ``ctx.expect['member']`` comes back from Describe under the same
    name, as sent (members the backend adds are allowed). Assumption: the model does not
    promise it, but a Describe that drops or changes what Create kept misleads every client."""
    member = ctx.expect["member"]
    if not exchange.ok:
        raise Mismatch(f"Describe of the created resource failed: {exchange.describe()}")
    body = exchange.wire_or_none()
    if not isinstance(body, dict) or member not in body:
        raise Mismatch(f"{member}: sent {(ctx.sent or {}).get(member)!r:.200}, Describe omits it")
    diffs = lookup_subset((ctx.sent or {}).get(member), body[member], member)
    if diffs:
        raise Mismatch("Describe does not return what Create sent:\n    " + "\n    ".join(diffs))


def listed_names(pages: list[Exchange], page_member: str, name_member: str) -> list[Any]:
    """The names the summaries of ``pages`` carry, in order (wire bodies)."""
    out = []
    for page in pages:
        body = page.wire_or_none()
        items = body.get(page_member) if isinstance(body, dict) else None
        out += [s.get(name_member) for s in items or [] if isinstance(s, dict)]
    return out


@register(f"{PREFIX}listed-once", basis="model", applies=always)
def listed_once(exchange: Exchange, ctx: CheckContext) -> None:
    """A created resource is listed exactly once by a listing of the run's resources
    (``ctx.expect``: ``pages``, ``page``, ``name_member``, ``name``)."""
    e = ctx.expect
    failed = [p for p in e["pages"] if not p.ok]
    if failed:
        raise Mismatch(f"the listing failed: {failed[0].describe()}")
    count = listed_names(e["pages"], e["page"], e["name_member"]).count(e["name"])
    if count != 1:
        raise Mismatch(f"{e['name']!r} listed {count} times (expected once)")


@register(f"{PREFIX}pagination-walk", basis="model", applies=always)
def pagination_walk(exchange: Exchange, ctx: CheckContext) -> None:
    """Walking the token with limit k: every page has at most k items, each of the run's
    resources (``expected``) comes exactly once, the last page has no token, and the walk
    ends within its bound (``ctx.expect``: pages, k, expected, page, name_member, token,
    bounded, owned: a predicate for the run's names)."""
    e = ctx.expect
    problems = []
    for i, page in enumerate(e["pages"]):
        if not page.ok:
            raise Mismatch(f"page {i + 1} of the walk failed: {page.describe()}")
        n = len(listed_names([page], e["page"], e["name_member"]))
        if n > e["k"]:
            problems.append(f"page {i + 1} has {n} items, {e['limit']} was {e['k']}")
    if e.get("bounded"):
        problems.append(f"{e['token']} never ended within {len(e['pages'])} pages")
    else:
        last = e["pages"][-1].wire_or_none() if e["pages"] else None
        if isinstance(last, dict) and last.get(e["token"]):
            problems.append(f"the last page carries {e['token']} {last[e['token']]!r}")
    problems += each_once([n for n in listed_names(e["pages"], e["page"], e["name_member"]) if e["owned"](n)],
                          e["expected"])
    if problems:
        raise Mismatch("pagination walk broken:\n    " + "\n    ".join(problems))


@register(f"{PREFIX}filter-oracle", basis="model", applies=always)
def filter_oracle(exchange: Exchange, ctx: CheckContext) -> None:
    """A filtered, bounded or sorted listing agrees with the oracle computed from the run's
    own resources (``ctx.expect``: ``got`` what the listing showed of them, ``want`` the
    oracle, ``ordered``, ``what`` the filter as sent)."""
    e = ctx.expect
    if not exchange.ok:
        raise Mismatch(f"the listing {e['what']} failed: {exchange.describe()}")
    got, want = e["got"], e["want"]
    if e.get("ordered") and got != want:
        raise Mismatch(f"{e['what']}: order differs from the oracle:\n    got  {got}\n    want {want}")
    if not e.get("ordered") and sorted(map(repr, got)) != sorted(map(repr, want)):
        raise Mismatch(f"{e['what']}: the listing differs from the oracle:\n    got  {got}\n    want {want}")


@register(f"{PREFIX}gone-after-delete", basis="model", applies=always)
def gone_after_delete(exchange: Exchange, ctx: CheckContext) -> None:
    """After an accepted Delete, Describe answers that the resource is missing (400
    ResourceNotFound or ValidationException, as ``missing-resource``), and a listing no longer
    shows it (``ctx.expect['listed']``: how often it did; that List sees the Delete at once
    is an assumption, AWS documents no delay)."""
    if "listed" in ctx.expect:
        if not exchange.ok:
            raise Mismatch(f"the listing after the Delete failed: {exchange.describe()}")
        if ctx.expect["listed"]:
            raise Mismatch(f"the deleted {ctx.expect['name']!r} is still listed (assumption: the listing "
                           "reflects a Delete at once)", basis="assumption")
        return
    if exchange.status != 400 or exchange.error_code not in overlays.MISSING_RESOURCE_CODES:
        raise Mismatch(f"a deleted resource is still there: {exchange.describe()}")
