"""Every TargetDevice of the model, not only those Hypothesis happens to draw: a backend with a
stale enum list (one that predates amba_cv25, added 2021-06-28) shows which values it lacks.

One job per device, made once for the module; each check judges all of them and reports the
devices it failed on, with the first failing exchange as the example. Every job is the founding
request with only TargetDevice changed (Framework PYTORCH): AWS's documented framework support
differs by device, and whether it refuses an unsupported pair at Create (rather than failing the
job) is not public; a real refusal would show here as ``accepted`` failing with its message.
"""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.checks import CheckContext
from conformance.errors import CheckFailure
from conformance.model import service_model
from conformance.scenarios import FOUNDING_CREATE


def _devices() -> list[str]:
    devices = list(service_model().shape_for("TargetDevice").enum)
    if "amba_cv25" not in devices:  # the founding example must always be among them
        raise RuntimeError("the botocore model has no TargetDevice amba_cv25: update botocore")
    return devices


@pytest.fixture(scope="module")
def device_jobs(conformance_session):
    """device -> (the Create request as sent, its exchange), in the model's enum order."""
    jobs = {}
    for device in _devices():
        request = {**FOUNDING_CREATE, "OutputConfig": {**FOUNDING_CREATE["OutputConfig"], "TargetDevice": device}}
        sent = conformance_session.prepare("CreateCompilationJob", {
            **request, "CompilationJobName": conformance_session.new_name(device.replace("_", ""))})
        exchange = conformance_session.call("CreateCompilationJob", sent)
        if exchange.ok:
            conformance_session.created.append(sent["CompilationJobName"])
        jobs[device] = (sent, exchange)
    return jobs


def _judge_each(check: str, judged: dict) -> None:
    """Run ``check`` on every device's exchange; one failure naming every device it failed on.
    ``judged``: device -> (exchange, CheckContext)."""
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
                   f"  first, TargetDevice {first_device}: {first.message}",
            operation=first.operation, basis=first.basis, example=first.example)
    if not applied:
        pytest.skip(f"{check} applied to no device's exchange")


@pytest.mark.conformance(operation="CreateCompilationJob", check="accepted", case="every-target-device")
def test_every_device_accepted(device_jobs):
    _judge_each("accepted", {d: (ex, CheckContext(sent=sent)) for d, (sent, ex) in device_jobs.items()})


def _created(device_jobs):
    made = {d: sent for d, (sent, ex) in device_jobs.items() if ex.ok}
    if not made:
        pytest.skip("no device's Create was accepted (CreateCompilationJob/accepted/every-target-device judges that)")
    return made


@pytest.mark.conformance(operation="DescribeCompilationJob", check="roundtrip", case="every-target-device")
def test_every_device_described(conformance_session, device_jobs):
    """Describe shows each job's TargetDevice (and the rest of what Create sent)."""
    judged = {}
    for device, sent in _created(device_jobs).items():
        exchange = conformance_session.call("DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
        checks.get("accepted")(exchange)
        judged[device] = (exchange, CheckContext(sent=sent))
    _judge_each("roundtrip", judged)


@pytest.mark.conformance(operation="ListCompilationJobs", check="list-summary", case="every-target-device")
def test_every_device_listed(conformance_session, device_jobs):
    """Each job's List summary shows its CompilationTargetDevice."""
    judged = {}
    for device, sent in _created(device_jobs).items():
        page = conformance_session.call("ListCompilationJobs", {"NameContains": sent["CompilationJobName"]})
        checks.get("no-server-error")(page)
        checks.get("accepted")(page)
        judged[device] = (page, CheckContext(sent=sent))
    _judge_each("list-summary", judged)
