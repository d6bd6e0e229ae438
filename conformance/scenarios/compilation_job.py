"""Compilation-job scenarios: how to reach the exchange a check judges, for each operation.

A scenario draws what it needs (a Create request for setup, the operation's own request),
sends the setup calls, and returns the exchange under test with the context its checks need.
It knows backends only through a :class:`~conformance.session.RunSession`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ..checks import CheckContext, get
from ..exchange import Exchange
from ..model import operation
from ..session import RunSession

#: The founding example: the 2021-06-28 API update added TargetDevice amba_cv25 and
#: VpcConfig on Create/Describe (and InferenceImage on Describe).
FOUNDING_CREATE: dict[str, Any] = {
    "RoleArn": "arn:aws:iam::123456789012:role/service-role/NeoCompilationRole",
    "InputConfig": {
        "S3Uri": "s3://neo-conformance-models/resnet50/model.tar.gz",
        "DataInputConfig": '{"data": [1, 3, 224, 224]}',
        "Framework": "PYTORCH",
        "FrameworkVersion": "1.8",
    },
    "OutputConfig": {
        "S3OutputLocation": "s3://neo-conformance-models/compiled/",
        "TargetDevice": "amba_cv25",
    },
    "VpcConfig": {"SecurityGroupIds": ["sg-0a1b2c3d4e5f67890"], "Subnets": ["subnet-0a1b2c3d"]},
    "StoppingCondition": {"MaxRuntimeInSeconds": 900},
}


def create_requests() -> st.SearchStrategy[dict[str, Any]]:
    import strategies

    return strategies.requests(operation("CreateCompilationJob"))


def setup_job(
    session: RunSession, request: dict[str, Any], hint: str = "", *, name: str | None = None
) -> tuple[dict[str, Any], Exchange]:
    """Create a job from ``request`` under a fresh name of the run (or ``name``, one a test
    made of the run's prefix: a listing's stem, a state machine's), for a test or scenario to
    work on. Returns the request as sent and its exchange, judged by :func:`judge_setup`; the
    session only sends and keeps books."""
    sent, exchange = session.send_create(request, hint, name=name)
    judge_setup(exchange)
    return sent, exchange


def judge_setup(exchange: Exchange) -> Exchange:
    """A refusal (or a server error) of a model-valid setup Create is a finding of
    ``accepted`` (``no-server-error``), raised as the CheckFailure that reports it; for a
    Create sent early and judged by the test that needs it (``session.send_create``)."""
    get("no-server-error")(exchange)
    get("accepted")(exchange)
    return exchange


def valid_exchange(
    session: RunSession, op: str, data: st.DataObject
) -> tuple[Exchange, CheckContext]:
    """Send a model-valid request of ``op`` (after whatever setup it needs)."""
    if op == "CreateCompilationJob":
        request = data.draw(create_requests(), label="CreateCompilationJob request")
        prepared, exchange = session.send_create(request)
        # The context holds the request as drawn, under its name (what the backend puts in, an
        # account's role and S3 locations, is not the test's).
        sent = {**request, "CompilationJobName": prepared["CompilationJobName"]}
        return exchange, CheckContext(sent=sent)
    if op == "ListCompilationJobs":
        import strategies

        request = data.draw(strategies.requests(operation(op)), label="ListCompilationJobs request")
        # Safety: list only this run's jobs (the filter is the run's prefix).
        request = {**request, "NameContains": session.prefix}
        request.pop("NextToken", None)
        return session.call(op, request), CheckContext()
    create = data.draw(create_requests(), label="CreateCompilationJob request (setup)")
    sent, _ = setup_job(session, create)
    if op == "DeleteCompilationJob":
        # aws-docs (DeleteCompilationJob): only a COMPLETED, FAILED or STOPPED job can be
        # deleted; a STARTING or INPROGRESS one is stopped (not waited for) and reaches STOPPED.
        session.waiting.end(sent["CompilationJobName"])
    exchange = session.call(op, {"CompilationJobName": sent["CompilationJobName"]})
    if op == "DeleteCompilationJob" and exchange.ok:
        session.forget(sent["CompilationJobName"])
    return exchange, CheckContext(sent=sent)


def missing_name_exchange(session: RunSession, op: str) -> Exchange:
    """``op`` on a name of this run's prefix that was never created."""
    return session.call(op, {"CompilationJobName": session.new_name("missing")})


#: The target platform a per-value Create starts from when it sets a TargetPlatform member
#: (OutputConfig takes a TargetDevice or a TargetPlatform, not both: the device is dropped).
PLATFORM_BASE: dict[str, Any] = {"Os": "LINUX", "Arch": "X86_64"}
#: What an NVIDIA platform needs besides (the RequiredWhen overlay of strategies/).
NVIDIA_OPTIONS = '{"gpu-code": "sm_72", "trt-ver": "6.0.1", "cuda-ver": "10.1"}'


def value_create(path: str, value: Any) -> dict[str, Any]:
    """The founding request with the member at ``path`` (``InputConfig.Framework``) set to
    ``value``; a new dict. A TargetPlatform member replaces the TargetDevice with
    PLATFORM_BASE; a Framework other than PyTorch drops the PyTorch FrameworkVersion."""
    import copy

    request = copy.deepcopy(FOUNDING_CREATE)
    keys = path.split(".")
    if keys[:2] == ["OutputConfig", "TargetPlatform"]:
        request["OutputConfig"].pop("TargetDevice", None)
        request["OutputConfig"]["TargetPlatform"] = dict(PLATFORM_BASE)
    node = request
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    if keys == ["OutputConfig", "TargetPlatform", "Accelerator"] and value == "NVIDIA":
        request["OutputConfig"]["TargetPlatform"]["Arch"] = "ARM64"
        request["OutputConfig"]["CompilerOptions"] = NVIDIA_OPTIONS
    if keys == ["InputConfig", "Framework"] and value != "PYTORCH":
        request["InputConfig"].pop("FrameworkVersion", None)
    return request


def enum_values(op: str) -> list[tuple[str, str]]:
    """``(member path, value)`` for every value of every enum member of ``op``'s input, in
    model order: what the per-value acceptance results are made of."""
    import strategies

    shape = operation(op).input_shape
    out = []
    for clause in strategies.clauses(operation(op)):
        if clause.kind != "enum" or "[]" in clause.path or "{}" in clause.path:
            continue
        member = shape
        for key in clause.path.split("."):
            member = member.members[key]
        out += [(clause.path, value) for value in member.enum]
    return out
