"""Checks aimed at an API update: ``--since OLD`` (a botocore ``service-2.json``).

The diff from OLD to the botocore model in use (conformance.modeldiff.plan) becomes one test
per change: a new enum value is accepted by Create, echoed by Describe and shown in the List
summary; a new request member is accepted and round-tripped where AWS keeps it; a new
response member is returned when the model requires it and well-formed when present; a new
operation answers. Without ``--since`` this module is not collected at all (plugin.py), so a
normal run carries no empty or skipped delta entries.

The checks themselves are registered (conformance/checks/delta.py, one per kind of change);
this module makes the exchanges they judge. Each request is the founding request (scenarios.FOUNDING_CREATE) when it already holds the
changed member, else the minimal model-valid request holding it (Hypothesis ``find``,
derandomized), so a run sends the same requests every time (cassettes replay by name).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from conformance import checks, modeldiff
from conformance.checks import CheckContext
from conformance.checks.roundtrip import ABSENT, lookup
from conformance.exchange import Exchange
from conformance.model import OPERATIONS, operation
from conformance.scenarios import FOUNDING_CREATE, setup_job
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


def _answered(exchange: Exchange) -> None:
    checks.get("no-server-error")(exchange)
    checks.get("accepted")(exchange)


def _judged(case: modeldiff.DeltaCase, exchange: Exchange, sent: dict[str, Any]) -> None:
    """The registered check of ``case`` (checks/delta.py), after the answer itself."""
    _answered(exchange)
    checks.get(case.check)(exchange, CheckContext(sent=sent, expect={"case": case}))


def judge(session: RunSession, case: modeldiff.DeltaCase) -> None:
    """Run one delta case against ``session``'s backend; CheckFailure when it breaks."""
    if case.kind == "list-accepted":
        request = _set({"NameContains": session.prefix}, case.path, case.value)
        _answered(session.call("ListCompilationJobs", request))
        return
    sent, _ = setup_job(session, create_request(case), hint="delta")  # accepted, or CheckFailure
    name = sent["CompilationJobName"]
    if case.kind == "create-accepted":
        return
    if case.kind == "operation-added":
        exchange = session.call(case.operation, {"CompilationJobName": name})
        _answered(exchange)
        if case.operation == "DeleteCompilationJob":
            session.forget(name)
        return
    if case.kind == "list-listed":
        _judged(case, session.call("ListCompilationJobs", {"NameContains": name, "MaxResults": 100}), sent)
        return
    exchange = session.call("DescribeCompilationJob", {"CompilationJobName": name})
    if case.kind == "describe-returned":
        _answered(exchange)
        try:
            body = exchange.wire()
        except ValueError:  # not JSON: the check says so
            body = None
        if not case.required and body is not None and lookup(body, case.path) is ABSENT:
            pytest.skip(f"Describe did not return {'.'.join(case.path)} (optional in the model): nothing to judge")
    _judged(case, exchange, sent)
