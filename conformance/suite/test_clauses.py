"""One result per clause of the input contract: every constraint of the model broken alone,
and every enum value the API takes accepted on its own.

The ids come from the model (``strategies.clauses``), never from what Hypothesis drew:
``CreateCompilationJob/invalid-rejected/OutputConfig.TargetDevice:enum``,
``CreateCompilationJob/accepted/InputConfig.Framework=TFLITE``. Hypothesis still chooses and
shrinks the requests that break a clause; each clause gets a few examples of its own, so a
backend that enforces some constraints and not others shows exactly which.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, assume, given, settings

from conformance import checks
from conformance.checks import CheckContext
from conformance.errors import Blocked, CheckFailure
from conformance.model import operation as model_operation
from conformance.overlays import SUMMARY_PATHS
from conformance.scenarios import enum_values, value_create

#: The operations whose input clauses are sent broken (Describe/Stop/Delete take a name
#: only: their clauses would be judged on a job name the run cannot own).
INVALID_OPERATIONS = ("CreateCompilationJob", "ListCompilationJobs")
#: Clauses never sent, and why: the run must be able to name and delete whatever a backend
#: accepts (moto stores a nameless job under None, and every later List of that server fails).
NOT_SENT = {
    ("CompilationJobName", "required"): "a backend that accepted it would store a job the run cannot name or delete",
    ("CompilationJobName", "min-length"): "an empty name: a backend that accepted it would store a job the run cannot delete",
}
#: Why a per-value acceptance rests on an assumption, stated where the verdict is.
VALUE_ASSUMPTION = ("assumption: AWS accepts this value in the founding request (Framework PYTORCH, "
                    "TargetDevice amba_cv25, TargetPlatform LINUX/X86_64 where a platform member is set); "
                    "which framework, device and platform pairs it refuses at Create is not public")


def _clauses(op: str) -> dict:
    import strategies

    return {clause.id: clause for clause in strategies.clauses(model_operation(op))}


CLAUSES = {op: _clauses(op) for op in INVALID_OPERATIONS}


def _clause_settings() -> settings:
    """A few examples per clause, scaled with the profile (ci 2, dev 4, thorough 40). Shrinking
    only in ``thorough``: Hypothesis' first draw is already its simplest request (every
    optional member absent, every choice its first), which is what a backend that ignores a
    clause fails on; shrinking it further costs some 60 backend calls per failing clause
    (two minutes of a ci run on moto) and rarely finds a smaller one."""
    current = settings()
    phases = current.phases if current.max_examples >= 100 else tuple(p for p in current.phases if p is not Phase.shrink)
    return settings(max_examples=max(2, current.max_examples // 5), phases=phases)


def _send_invalid(session, op: str, request: dict, violation) -> tuple:
    """Send the broken request safely: Create under a name of the run (a broken name keeps the
    run's prefix), List filtered by the run's prefix unless the filter is what is broken. An
    accepted job is deleted at once, after looking whether it exists."""
    if op == "ListCompilationJobs":
        if violation.path[:1] != ("NameContains",):
            request = {**request, "NameContains": session.prefix}
        if violation.path[:1] != ("NextToken",):
            request.pop("NextToken", None)
        return session.call(op, request), None
    name = session.new_name("invalid")
    if violation.path[:1] != ("CompilationJobName",):
        request = {**request, "CompilationJobName": name}
    else:
        bad = {"pattern": f"{name}_not!valid", "max-length": f"{name}-{'x' * 64}"}.get(violation.clause.split(":")[-1])
        assume(bad is not None)
        request = {**request, "CompilationJobName": bad}
    name = request["CompilationJobName"]
    exchange = session.call(op, request)
    created = None
    if exchange.ok:
        session.made(name)
        if name in session.quarantined:
            created = name  # it existed: it broke the listing, and the run deleted it
        else:
            # The look and the delete are this check's own: a Describe echoing the invalid value
            # it accepted is this clause's finding, not the output shape's (so not observed).
            probe = session.caller.call("DescribeCompilationJob", {"CompilationJobName": name}, observe=False)
            created = name if probe.ok else None
            # Not waited for: a job still running is left to the run's cleanup (stop, then delete).
            if session.caller.call("DeleteCompilationJob", {"CompilationJobName": name}, observe=False).ok:
                session.deleted(name)
    return exchange, created


@pytest.mark.conformance(check="invalid-rejected")
@pytest.mark.parametrize("operation,case", [(op, cid) for op in INVALID_OPERATIONS for cid in CLAUSES[op]])
def test_clause_rejected(conformance_session, operation, case):
    """A request that breaks exactly this clause, and is otherwise valid, is a 4xx and makes
    no job."""
    import strategies

    clause = CLAUSES[operation][case]
    why = NOT_SENT.get((clause.path, clause.kind)) or strategies.clause_sendable(clause)
    if why:
        pytest.skip(f"not sent: {why}")

    @_clause_settings()
    @given(drawn=strategies.invalid_requests(model_operation(operation), clause=clause))
    def run(drawn):
        request, violation = drawn
        exchange, created = _send_invalid(conformance_session, operation, request, violation)
        checks.get("invalid-rejected")(exchange, CheckContext(expect={"violation": violation, "created": created}))

    run()


CREATE_VALUES = [f"{path}={value}" for path, value in enum_values("CreateCompilationJob")]
LIST_VALUES = [f"{path}={value}" for path, value in enum_values("ListCompilationJobs")]


@pytest.fixture(scope="module")
def value_jobs(conformance_session):
    """``path=value`` -> (the Create request as sent, its exchange): one job per enum value of
    Create, each attributed to its own accepted result (a job that breaks later listings is
    reported with it)."""
    made = {}
    origin = conformance_session.current_test
    try:
        for case in CREATE_VALUES:
            path, value = case.split("=", 1)
            conformance_session.current_test = f"CreateCompilationJob/accepted/{case}"
            # named by its value, not by its place among the values: a model update that adds
            # a value leaves the recorded names of the others as they were (cassette replay)
            try:
                with conformance_session.name_scope(f"value_jobs:{case}", cleanup=False):
                    made[case] = conformance_session.send_create(value_create(path, value), hint=value)
            except pytest.skip.Exception as stale:  # replay: a value the cassette has no job for
                made[case] = stale  # only this value's tests are skipped (stale cassette)
    finally:
        conformance_session.current_test = origin
    return made


def _value_job(value_jobs, case):
    """The value's (request as sent, exchange); skipped as its Create was (a stale cassette)."""
    job = value_jobs[case]
    if isinstance(job, BaseException):
        pytest.skip(str(job))
    return job


@pytest.mark.conformance(operation="CreateCompilationJob", check="accepted", basis="assumption")
@pytest.mark.parametrize("case", CREATE_VALUES)
def test_value_accepted(value_jobs, case):
    """Each enum value of the Create input is accepted on its own (a stale enum list shows
    here, value by value: TargetDevice amba_cv25 was added on 2021-06-28)."""
    _, exchange = _value_job(value_jobs, case)
    checks.get("no-server-error")(exchange)
    try:
        checks.get("accepted")(exchange)
    except CheckFailure as failure:
        raise CheckFailure("accepted", f"{failure.message}\n  ({VALUE_ASSUMPTION})", operation=failure.operation,
                           basis="assumption", example=failure.example) from None


def _judge_read(session, value_jobs, case, operation, request_of, check):
    """Read the value's job with ``operation`` and judge ``check`` on the answer; blocked when
    its Create was not accepted (that result has the finding)."""
    sent, created = _value_job(value_jobs, case)
    if not created.ok:
        raise Blocked(f"CreateCompilationJob/accepted/{case}", f"the job's Create was answered {created.describe()}")
    exchange = session.call(operation, request_of(sent["CompilationJobName"]))
    checks.get("no-server-error")(exchange)
    checks.get("accepted")(exchange)
    checks.get(check)(exchange, CheckContext(sent=sent))


@pytest.mark.conformance(operation="DescribeCompilationJob", check="roundtrip")
@pytest.mark.parametrize("case", CREATE_VALUES)
def test_value_roundtrip(conformance_session, value_jobs, case):
    """Describe shows the value the job was created with (and the rest of what AWS keeps)."""
    _judge_read(conformance_session, value_jobs, case, "DescribeCompilationJob",
                lambda name: {"CompilationJobName": name}, "roundtrip")


SUMMARY_VALUES = [c for c in CREATE_VALUES if tuple(c.split("=", 1)[0].split(".")) in SUMMARY_PATHS]


@pytest.mark.conformance(operation="ListCompilationJobs", check="list-summary")
@pytest.mark.parametrize("case", SUMMARY_VALUES)
def test_value_listed(conformance_session, value_jobs, case):
    """The job's List summary shows the target it was created with."""
    _judge_read(conformance_session, value_jobs, case, "ListCompilationJobs",
                lambda name: {"NameContains": name}, "list-summary")


@pytest.mark.conformance(operation="ListCompilationJobs", check="accepted")
@pytest.mark.parametrize("case", LIST_VALUES)
def test_list_value_accepted(conformance_session, case):
    """Each enum value of the List input (StatusEquals, SortBy, SortOrder) is accepted on its
    own, in a listing of the run's jobs."""
    path, value = case.split("=", 1)
    page = conformance_session.call("ListCompilationJobs", {"NameContains": conformance_session.prefix, path: value})
    checks.get("no-server-error")(page)
    checks.get("accepted")(page)


@pytest.mark.conformance(operation="CreateCompilationJob", check="accepted", case="CompilationJobName=max-length")
def test_longest_name_accepted(conformance_session):
    """A name as long as the model allows (and of its pattern, under the run's prefix) is
    accepted: a backend that enforces a shorter limit than the model shows here."""
    from conformance.scenarios import FOUNDING_CREATE, setup_job

    limit = model_operation("CreateCompilationJob").input_shape.members["CompilationJobName"].metadata["max"]
    stem = conformance_session.new_name("long")
    setup_job(conformance_session, FOUNDING_CREATE, name=(stem + "-" + "x" * limit)[:limit])
