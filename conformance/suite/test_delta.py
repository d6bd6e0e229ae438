"""Checks aimed at an API update: ``--since OLD`` (a botocore ``service-2.json``).

The diff from OLD to the botocore model in use (conformance.modeldiff.plan) becomes one test
per change: a new enum value is accepted by Create, echoed by Describe and shown in the List
summary; a new request member is accepted and round-tripped where AWS keeps it; a new
response member is returned when the model requires it and well-formed when present; a new
operation answers. Without ``--since`` this module is not collected at all (plugin.py), so a
normal run carries no empty or skipped delta entries.

Each request is the founding request (scenarios.FOUNDING_CREATE) when it already holds the
changed member, else the minimal model-valid request holding it (Hypothesis ``find``,
derandomized), so a run sends the same requests every time (cassettes replay by name).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from conformance import checks, modeldiff
from conformance.checks.roundtrip import ABSENT, lookup, same
from conformance.errors import CheckFailure
from conformance.exchange import Exchange
from conformance.model import OPERATIONS, operation
from conformance.overlays import ROUND_TRIP_PATHS, SUMMARY_PATHS
from conformance.scenarios import FOUNDING_CREATE
from conformance.session import RunSession

@functools.cache
def cases_since(path: str) -> tuple[modeldiff.DeltaCase, ...]:
    return tuple(modeldiff.since(path, OPERATIONS)[1])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "delta_case" not in metafunc.fixturenames:
        return
    since = metafunc.config.getoption("since", default=None)
    cases = cases_since(since) if since else ()
    metafunc.parametrize("delta_case", [
        pytest.param(c, id=c.id, marks=pytest.mark.conformance(
            operation=c.operation, check=c.check, case=c.case, basis="model"))
        for c in cases
    ])


def test_delta(conformance_session: RunSession, delta_case: modeldiff.DeltaCase) -> None:
    judge(conformance_session, delta_case)


# ---------------------------------------------------------------- requests


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return out


@functools.cache
def _minimal_with(path: tuple[str, ...]) -> dict[str, Any]:
    """The minimal model-valid Create request (strategies, with its cross-field overlays)
    that holds ``path``: deterministic, so replays match."""
    import strategies
    from hypothesis import HealthCheck, find, settings

    return find(
        strategies.requests(operation("CreateCompilationJob")),
        lambda request: lookup(request, path) is not ABSENT,
        settings=settings(database=None, derandomize=True, max_examples=500,
                          suppress_health_check=list(HealthCheck)),
    )


def create_request(case: modeldiff.DeltaCase) -> dict[str, Any]:
    """The Create request that exercises ``case`` (a new dict each time)."""
    if case.kind in ("describe-returned", "operation-added"):  # path is not a request member
        return copy.deepcopy(FOUNDING_CREATE)
    path = case.path
    base = FOUNDING_CREATE if lookup(FOUNDING_CREATE, path) is not ABSENT else _minimal_with(path)
    request = copy.deepcopy(base)
    if case.value is not None:
        request = _set(request, path, case.value)
    request.pop("CompilationJobName", None)
    return request


# ---------------------------------------------------------------- judging


def _fail(case: modeldiff.DeltaCase, message: str, exchange: Exchange) -> CheckFailure:
    return CheckFailure(case.check, f"{message}\n  exchange: {exchange.describe()}",
                        operation=exchange.operation, basis="model", example=exchange.example())


def _answered(exchange: Exchange) -> None:
    checks.get("no-server-error")(exchange)
    checks.get("accepted")(exchange)


def _body(case: modeldiff.DeltaCase, exchange: Exchange) -> Any:
    try:
        return exchange.wire()
    except ValueError:
        raise _fail(case, f"body is not JSON: {exchange.raw_body[:200]!r}", exchange) from None


def judge(session: RunSession, case: modeldiff.DeltaCase) -> None:
    """Run one delta case against ``session``'s backend; CheckFailure when it breaks."""
    dotted = ".".join(case.path)
    if case.kind == "list-accepted":
        request = _set({"NameContains": session.prefix}, case.path, case.value)
        _answered(session.call("ListCompilationJobs", request))
        return
    sent, _ = session.create_job(create_request(case), hint="delta")  # accepted, or CheckFailure
    name = sent["CompilationJobName"]
    if case.kind == "create-accepted":
        return
    if case.kind == "operation-added":
        exchange = session.call(case.operation, {"CompilationJobName": name})
        _answered(exchange)
        if case.operation == "DeleteCompilationJob" and name in session.created:
            session.created.remove(name)
        return
    if case.kind == "list-listed":
        exchange = session.call("ListCompilationJobs", {"NameContains": name, "MaxResults": 100})
        _answered(exchange)
        body = _body(case, exchange)
        summaries = [s for s in body.get("CompilationJobSummaries", []) if isinstance(s, dict)
                     and s.get("CompilationJobName") == name] if isinstance(body, dict) else []
        if not summaries:
            raise _fail(case, f"ListCompilationJobs(NameContains={name!r}) has no summary of the job", exchange)
        member = SUMMARY_PATHS[case.path]
        got = summaries[0].get(member, ABSENT)
        if got != case.value:
            shown = "omits it" if got is ABSENT else f"shows {got!r}"
            raise _fail(case, f"created with {dotted}={case.value!r}; the summary's {member} {shown}", exchange)
        return
    exchange = session.call("DescribeCompilationJob", {"CompilationJobName": name})
    _answered(exchange)
    body = _body(case, exchange)
    if case.kind == "describe-echoed":
        got = lookup(body, case.path)
        if got != case.value:
            shown = "omits it" if got is ABSENT else f"returns {got!r}"
            raise _fail(case, f"created with {dotted}={case.value!r}; Describe {shown}", exchange)
    elif case.kind == "describe-roundtrip":
        diffs = []
        for kept in ROUND_TRIP_PATHS:
            if kept[: len(case.path)] != case.path or lookup(sent, kept) is ABSENT:
                continue
            got = lookup(body, kept)
            if got is ABSENT:
                diffs.append(f"{'.'.join(kept)}: sent {lookup(sent, kept)!r}, Describe omits it")
            elif not same(lookup(sent, kept), got):
                diffs.append(f"{'.'.join(kept)}: sent {lookup(sent, kept)!r}, Describe returns {got!r}")
        if diffs:
            raise _fail(case, "the new member does not round-trip:\n    " + "\n    ".join(diffs), exchange)
    elif case.kind == "describe-returned":
        got = lookup(body, case.path)
        if got is ABSENT:
            if case.required:
                raise _fail(case, f"{dotted} is required in the current model; Describe omits it", exchange)
            pytest.skip(f"Describe did not return {dotted} (optional in the model): nothing to judge")
        import strategies

        shape = operation("DescribeCompilationJob").output_shape
        for key in case.path:
            shape = shape.members[key]
        problems = strategies.validate(got, shape, wire=True)
        if problems:
            raise _fail(case, f"{dotted} breaks its shape {shape.name}: "
                        + "; ".join(f"{'.'.join(map(str, p.path)) or '<value>'}: {p.message}"
                                    for p in problems), exchange)
    else:  # pragma: no cover - plan() makes only the kinds above
        raise CheckFailure(case.check, f"unknown delta kind {case.kind!r}", basis="assumption")
