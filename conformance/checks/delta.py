"""Checks aimed at an API update (``conformance run --since OLD``): one per kind of change
the model diff finds (conformance.modeldiff.DeltaCase). ``ctx.expect['case']`` is the case,
``ctx.sent`` the Create request of the job judged. A new enum value or member that Create
must accept, and a new operation that must answer, are judged by ``accepted`` and
``no-server-error`` themselves."""

from __future__ import annotations

from typing import Any

from ..exchange import Exchange
from ..overlays import ROUND_TRIP_PATHS, SUMMARY_PATHS
from .registry import CheckContext, Mismatch, on_success, register
from .roundtrip import ABSENT, differences, lookup


def _body(exchange: Exchange) -> Any:
    try:
        return exchange.wire()
    except ValueError:
        raise Mismatch(f"body is not JSON: {exchange.raw_body[:200]!r}") from None


@register("delta-listed", basis="model", applies=on_success, operations=("ListCompilationJobs",))
def delta_listed(exchange: Exchange, ctx: CheckContext) -> None:
    """A job created with a new enum value shows it in its List summary (the summary member
    overlays.SUMMARY_PATHS names for that request member)."""
    case, name = ctx.expect["case"], (ctx.sent or {}).get("CompilationJobName")
    body = _body(exchange)
    summaries = [s for s in body.get("CompilationJobSummaries", []) if isinstance(s, dict)
                 and s.get("CompilationJobName") == name] if isinstance(body, dict) else []
    if not summaries:
        raise Mismatch(f"ListCompilationJobs(NameContains={name!r}) has no summary of the job")
    member = SUMMARY_PATHS[case.path]
    got = summaries[0].get(member, ABSENT)
    if got != case.value:
        shown = "omits it" if got is ABSENT else f"shows {got!r}"
        raise Mismatch(f"created with {'.'.join(case.path)}={case.value!r}; the summary's {member} {shown}")


@register("delta-echoed", basis="model", applies=on_success, operations=("DescribeCompilationJob",))
def delta_echoed(exchange: Exchange, ctx: CheckContext) -> None:
    """A job created with a new enum value is described with it."""
    case = ctx.expect["case"]
    got = lookup(_body(exchange), case.path)
    if got != case.value:
        shown = "omits it" if got is ABSENT else f"returns {got!r}"
        raise Mismatch(f"created with {'.'.join(case.path)}={case.value!r}; Describe {shown}")


@register("delta-roundtrip", basis="model", applies=on_success, operations=("DescribeCompilationJob",))
def delta_roundtrip(exchange: Exchange, ctx: CheckContext) -> None:
    """A new request member comes back from Describe, as far as AWS keeps it
    (overlays.ROUND_TRIP_PATHS under it)."""
    case, sent, body = ctx.expect["case"], ctx.sent or {}, _body(exchange)
    diffs = []
    for kept in ROUND_TRIP_PATHS:
        if kept[: len(case.path)] != case.path or lookup(sent, kept) is ABSENT:
            continue
        got = lookup(body, kept)
        if got is ABSENT:
            diffs.append(f"{'.'.join(kept)}: sent {lookup(sent, kept)!r}, Describe omits it")
        else:
            diffs += differences(lookup(sent, kept), got, ".".join(kept))
    if diffs:
        raise Mismatch("the new member does not round-trip:\n    " + "\n    ".join(diffs))


@register("delta-returned", basis="model", applies=on_success, operations=("DescribeCompilationJob",))
def delta_returned(exchange: Exchange, ctx: CheckContext) -> None:
    """A new response member is returned when the current model requires it, and is
    well-formed (its shape) when present."""
    import strategies

    from ..model import operation

    case = ctx.expect["case"]
    dotted = ".".join(case.path)
    got = lookup(_body(exchange), case.path)
    if got is ABSENT:
        if case.required:
            raise Mismatch(f"{dotted} is required in the current model; Describe omits it")
        return
    shape = operation("DescribeCompilationJob").output_shape
    for key in case.path:
        shape = shape.members[key]
    problems = strategies.validate(got, shape, wire=True)
    if problems:
        raise Mismatch(f"{dotted} breaks its shape {shape.name}: "
                       + "; ".join(f"{'.'.join(map(str, p.path)) or '<value>'}: {p.message}" for p in problems))
