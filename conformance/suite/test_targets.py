"""Every TargetDevice of the model, not only those Hypothesis happens to draw: a backend with a
stale enum list (one that predates amba_cv25, added 2021-06-28) shows which values it lacks.

One job per device, made once for the module; each check judges all of them and reports the
devices it failed on, with the first failing exchange as the example. Every job is the founding
request with only TargetDevice changed (Framework PYTORCH). AWS's documented framework support
differs by device, and whether it refuses an unsupported pair at Create (rather than failing the
job) is not public, so ``accepted`` here rests on an assumption, and says so in its basis and
message; the round trip and the List summary judge only the jobs that were accepted.
"""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.checks import CheckContext
from conformance.errors import CheckFailure, UsageError
from conformance.model import service_model
from conformance.scenarios import FOUNDING_CREATE


def _devices() -> list[str]:
    devices = list(service_model().shape_for("TargetDevice").enum)
    if "amba_cv25" not in devices:  # the founding example must always be among them
        raise UsageError("the installed botocore model has no TargetDevice amba_cv25: upgrade botocore")
    return devices


@pytest.fixture(scope="module")
def device_jobs(conformance_session):
    """device -> (the Create request as sent, its exchange), in the model's enum order."""
    return {device: conformance_session.send_create(
                {**FOUNDING_CREATE, "OutputConfig": {**FOUNDING_CREATE["OutputConfig"], "TargetDevice": device}},
                hint=device.replace("_", ""))
            for device in _devices()}


#: Why every device's Create should be accepted, stated where the verdict is.
ACCEPTED_ASSUMPTION = ("assumption: AWS accepts every TargetDevice of the model with Framework PYTORCH "
                       "at Create; its framework support differs by device, and whether Create refuses "
                       "an unsupported pair (rather than failing the job) is not public")


def _judge_each(check: str, judged: dict, *, basis: str | None = None, why: str = "") -> None:
    """Run ``check`` on every device's exchange; one failure naming every device it failed on.
    ``judged``: device -> (exchange, CheckContext); ``basis``/``why`` override the check's."""
    failures = {}
    applied = 0
    for device, (exchange, ctx) in judged.items():
        try:
            applied += bool(checks.get(check)(exchange, ctx))
        except CheckFailure as failure:
            failures[device] = failure
    if failures:
        first_device, first = next(iter(failures.items()))
        raise CheckFailure(
            check, f"{len(failures)} of {len(judged)} TargetDevice values fail: {sorted(failures)}\n"
                   f"  first, TargetDevice {first_device}: {first.message}" + (f"\n  ({why})" if why else ""),
            operation=first.operation, basis=basis or first.basis, example=first.example)
    if not applied:
        pytest.skip(f"{check} applied to no device's exchange")


@pytest.mark.conformance(operation="CreateCompilationJob", check="accepted", case="every-target-device",
                         basis="assumption")
def test_every_device_accepted(device_jobs):
    _judge_each("accepted", {d: (ex, CheckContext(sent=sent)) for d, (sent, ex) in device_jobs.items()},
                basis="assumption", why=ACCEPTED_ASSUMPTION)


def _read_each(session, device_jobs, operation: str, request_of) -> dict:
    """``operation`` with ``request_of(sent)`` for every accepted device's job: device ->
    (exchange, CheckContext). A refused or crashed read fails here, before the judging."""
    made = {d: sent for d, (sent, ex) in device_jobs.items() if ex.ok}
    if not made:
        pytest.skip("no device's Create was accepted (CreateCompilationJob/accepted/every-target-device judges that)")
    judged = {}
    for device, sent in made.items():
        exchange = session.call(operation, request_of(sent))
        checks.get("no-server-error")(exchange)
        checks.get("accepted")(exchange)
        judged[device] = (exchange, CheckContext(sent=sent))
    return judged


@pytest.mark.conformance(operation="DescribeCompilationJob", check="roundtrip", case="every-target-device")
def test_every_device_described(conformance_session, device_jobs):
    """Describe shows each job's TargetDevice (and the rest of what Create sent)."""
    _judge_each("roundtrip", _read_each(conformance_session, device_jobs, "DescribeCompilationJob",
                                        lambda sent: {"CompilationJobName": sent["CompilationJobName"]}))


@pytest.mark.conformance(operation="ListCompilationJobs", check="list-summary", case="every-target-device")
def test_every_device_listed(conformance_session, device_jobs):
    """Each job's List summary shows its CompilationTargetDevice."""
    _judge_each("list-summary", _read_each(conformance_session, device_jobs, "ListCompilationJobs",
                                           lambda sent: {"NameContains": sent["CompilationJobName"]}))
