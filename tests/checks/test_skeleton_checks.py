"""Each skeleton check fails on a backend with exactly its defect and passes on moto where
moto is right. The founding request (amba_cv25 + VpcConfig) drives every case."""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.checks import CheckContext
from conformance.errors import CheckFailure
from conformance.scenarios import FOUNDING_CREATE, setup_job
from conformance.session import RunSession

from tests.checks.conftest import answer, edit_body


def describe_founding(session: RunSession):
    sent, _ = setup_job(session, FOUNDING_CREATE)
    exchange = session.call("DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
    return sent, exchange


def assert_fails(check: str, exchange, ctx=None, needle: str = "", basis: str | None = None):
    """``basis``: the failure's own, when it differs from the check's registered one."""
    with pytest.raises(CheckFailure) as info:
        checks.get(check)(exchange, ctx)
    failure = info.value
    assert failure.check == check
    assert failure.basis == (basis or checks.get(check).basis)
    assert needle in failure.message, failure.message
    assert failure.example["request"] == exchange.example()["request"]
    return failure


def assert_passes(check: str, exchange, ctx=None):
    assert checks.get(check)(exchange, ctx) is True, f"{check} did not apply to {exchange.describe()}"


# ------------------------------------------------------------------ response-shape


def _set(member, value):
    return edit_body(lambda body: {**body, member: value})


@pytest.mark.parametrize(
    "mutator,needle",
    [
        (_set("CreationTime", "2021-06-28T10:00:00Z"), "CreationTime"),
        (_set("CompilationJobStatus", "Completed"), "CompilationJobStatus"),
        (edit_body(lambda b: {k: v for k, v in b.items() if k != "CompilationJobArn"}), "CompilationJobArn"),
        (edit_body(lambda b: {**b, "OutputConfig": {**b["OutputConfig"], "TargetDevice": "amba_cv26"}}), "TargetDevice"),
        (_set("RoleArn", 12345), "RoleArn"),
    ],
    ids=["timestamp-as-string", "enum-misspelled", "missing-required", "unknown-target-device", "wrong-type"],
)
def test_response_shape_fails_on_defect(faulty, mutator, needle):
    faulty.break_("DescribeCompilationJob", mutator)
    _, exchange = describe_founding(faulty.session)
    assert_fails("response-shape", exchange, needle=needle)


def test_response_shape_respects_status_dependent_presence(faulty):
    # An INPROGRESS job without ModelArtifacts and FailureReason is what real AWS sends.
    def inprogress(body):
        body = {k: v for k, v in body.items() if k not in ("ModelArtifacts", "FailureReason", "CompilationEndTime")}
        return {**body, "CompilationJobStatus": "INPROGRESS"}

    faulty.break_("DescribeCompilationJob", edit_body(inprogress))
    _, exchange = describe_founding(faulty.session)
    assert_passes("response-shape", exchange)


def test_response_shape_fails_end_time_on_inprogress(faulty):
    def inprogress(body):
        body = {k: v for k, v in body.items() if k not in ("ModelArtifacts", "FailureReason")}
        return {**body, "CompilationJobStatus": "INPROGRESS"}

    faulty.break_("DescribeCompilationJob", edit_body(inprogress))
    _, exchange = describe_founding(faulty.session)
    assert_fails("response-shape", exchange, needle="CompilationEndTime")


def test_response_shape_allows_long_failure_reason(faulty):
    # Real AWS sent a 1,687-character FailureReason (model max 1024): never a failure.
    def failed(body):
        body = {k: v for k, v in body.items() if k != "ModelArtifacts"}
        return {**body, "CompilationJobStatus": "FAILED", "FailureReason": "x" * 1687}

    faulty.break_("DescribeCompilationJob", edit_body(failed))
    _, exchange = describe_founding(faulty.session)
    assert_passes("response-shape", exchange)


@pytest.mark.parametrize("operation", ["CreateCompilationJob", "ListCompilationJobs"])
def test_response_shape_passes_on_moto_create_and_list(moto_session, operation):
    sent, create = setup_job(moto_session, FOUNDING_CREATE)
    exchange = create if operation == "CreateCompilationJob" else moto_session.call(
        "ListCompilationJobs", {"NameContains": moto_session.prefix})
    assert_passes("response-shape", exchange)


# ------------------------------------------------------------------ undeclared / null


def test_undeclared_members_fails_on_extra_key_and_passes_on_moto(faulty, moto_session):
    _, clean = describe_founding(moto_session)
    assert_passes("undeclared-members", clean)
    faulty.break_("DescribeCompilationJob", _set("CompilationJobBogus", "x"))
    _, exchange = describe_founding(faulty.session)
    assert_fails("undeclared-members", exchange, needle="CompilationJobBogus")


def test_no_null_members_fails_on_null_and_passes_on_moto(faulty, moto_session):
    _, clean = describe_founding(moto_session)
    assert_passes("no-null-members", clean)
    faulty.break_("DescribeCompilationJob", _set("ModelPackageVersionArn", None))
    _, exchange = describe_founding(faulty.session)
    assert_fails("no-null-members", exchange, needle="ModelPackageVersionArn")


# ------------------------------------------------------------------ status classes and errors


def test_no_server_error_fails_on_500_and_passes_on_moto(faulty, moto_session):
    _, clean = describe_founding(moto_session)
    assert_passes("no-server-error", clean)
    faulty.break_("DescribeCompilationJob", answer(500, {"__type": "InternalFailure", "message": "boom"}))
    _, exchange = describe_founding(faulty.session)
    assert_fails("no-server-error", exchange, needle="HTTP 500")


def test_no_server_error_catches_in_process_not_implemented(moto_session):
    # moto raises NotImplementedError for StopCompilationJob: a finding, not a crash.
    sent, _ = setup_job(moto_session, FOUNDING_CREATE)
    exchange = moto_session.call("StopCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
    assert_fails("no-server-error", exchange, needle="NotImplementedError")


@pytest.mark.parametrize(
    "body,needle",
    [
        ({"message": "no type"}, "no string __type"),
        ({"__type": "NoSuchThing", "message": "x"}, "'NoSuchThing'"),
        ({"__type": "ResourceNotFound"}, "no string message"),
        (b"<html>not json</html>", "not JSON"),
    ],
    ids=["no-type", "undeclared-code", "no-message", "not-json"],
)
def test_error_contract_fails_on_bad_error_body(faulty, body, needle):
    faulty.break_("DescribeCompilationJob", answer(400, body))
    exchange = faulty.session.call("DescribeCompilationJob", {"CompilationJobName": faulty.session.new_name()})
    assert_fails("error-contract", exchange, needle=needle)


def test_error_contract_passes_on_moto_and_accepts_common_codes(faulty, moto_session):
    exchange = moto_session.call("DescribeCompilationJob", {"CompilationJobName": moto_session.new_name()})
    assert_passes("error-contract", exchange)
    # An undeclared but common AWS error (as real CreateCompilationJob answers) is fine.
    faulty.break_("CreateCompilationJob", answer(400, {"__type": "ValidationException", "Message": "bad"}))
    exchange = faulty.session.call("CreateCompilationJob", {**FOUNDING_CREATE, "CompilationJobName": "cf-x-1"})
    assert_passes("error-contract", exchange)


@pytest.mark.parametrize(
    "status,body,needle",
    [
        (200, {"CompilationJobName": "x"}, "got HTTP 200"),
        (500, {"__type": "InternalFailure", "message": "x"}, "got HTTP 500"),
        (400, {"__type": "NotFound", "message": "x"}, "'NotFound'"),
    ],
)
def test_missing_resource_fails_on_wrong_answer(faulty, status, body, needle):
    faulty.break_("DescribeCompilationJob", answer(status, body))
    exchange = faulty.session.call("DescribeCompilationJob", {"CompilationJobName": faulty.session.new_name()})
    assert_fails("missing-resource", exchange, needle=needle)


@pytest.mark.parametrize("operation", ["DescribeCompilationJob", "DeleteCompilationJob"])
def test_missing_resource_passes_on_moto(moto_session, operation):
    assert_passes("missing-resource", moto_session.call(operation, {"CompilationJobName": moto_session.new_name()}))


def test_missing_resource_accepts_validation_exception(faulty):
    faulty.break_("DescribeCompilationJob", answer(400, {"__type": "ValidationException",
                                                          "message": "Requested resource not found."}))
    exchange = faulty.session.call("DescribeCompilationJob", {"CompilationJobName": faulty.session.new_name()})
    assert_passes("missing-resource", exchange)


# ------------------------------------------------------------------ accepted / roundtrip


def test_accepted_fails_on_stale_target_device_enum(faulty):
    stale = answer(400, {"__type": "ValidationException", "message": "Value 'amba_cv25' at "
                         "'outputConfig.targetDevice' failed to satisfy constraint"},
                   when=lambda r: r.get("OutputConfig", {}).get("TargetDevice") == "amba_cv25")
    faulty.break_("CreateCompilationJob", stale)
    with pytest.raises(CheckFailure) as info:
        setup_job(faulty.session, FOUNDING_CREATE)
    assert info.value.check == "accepted"
    assert "amba_cv25" in str(info.value.example["request"])
    # The same backend accepts an older device: the defect is exactly the stale enum.
    older = {**FOUNDING_CREATE, "OutputConfig": {**FOUNDING_CREATE["OutputConfig"], "TargetDevice": "jetson_nano"}}
    _, exchange = setup_job(faulty.session, older)
    assert_passes("accepted", exchange)


@pytest.mark.parametrize(
    "edit,needle",
    [
        (lambda b: {k: v for k, v in b.items() if k != "VpcConfig"}, "VpcConfig.SecurityGroupIds: sent"),
        (lambda b: {**b, "OutputConfig": {**b["OutputConfig"], "TargetDevice": "jetson_nano"}}, "TargetDevice"),
        (lambda b: {**b, "StoppingCondition": {"MaxRuntimeInSeconds": 1}}, "MaxRuntimeInSeconds"),
    ],
    ids=["drops-vpc-config", "changes-target-device", "changes-stopping-condition"],
)
def test_roundtrip_fails_on_defect(faulty, edit, needle):
    faulty.break_("DescribeCompilationJob", edit_body(edit))
    sent, exchange = describe_founding(faulty.session)
    assert_fails("roundtrip", exchange, CheckContext(sent=sent), needle=needle)


def test_roundtrip_without_the_create_request_is_an_assumption_failure(moto_session):
    """A failure names its own basis when it is not the check's: without the Create request
    the round trip cannot be judged, which is not something the model says."""
    _, exchange = describe_founding(moto_session)
    assert checks.get("roundtrip").basis == "model"
    assert_fails("roundtrip", exchange, CheckContext(sent=None), needle="needs the Create request",
                 basis="assumption")


def test_roundtrip_passes_on_moto_and_ignores_max_wait(moto_session):
    request = {**FOUNDING_CREATE, "StoppingCondition": {"MaxRuntimeInSeconds": 900, "MaxWaitTimeInSeconds": 1800}}
    sent, _ = setup_job(moto_session, request)
    exchange = moto_session.call("DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
    assert_passes("roundtrip", exchange, CheckContext(sent=sent))


def test_hanging_operation_is_not_sent_after_two_timeouts(faulty):
    from botocore.exceptions import ReadTimeoutError

    from conformance.exchange import TIMEOUT_ATTEMPTS

    calls = []

    def hang(**_):
        calls.append(1)
        raise ReadTimeoutError(endpoint_url="http://127.0.0.1:1")

    faulty.session.caller.client.meta.events.register_first("before-send.sagemaker.DescribeCompilationJob", hang)
    results = [faulty.session.call("DescribeCompilationJob", {"CompilationJobName": "cf-x-1"}) for _ in range(4)]
    assert len(calls) == 2 * TIMEOUT_ATTEMPTS  # each call retries its timeouts, then the breaker trips
    assert all(r.status is None for r in results)
    assert "not sent: the last 2 DescribeCompilationJob calls timed out" in results[-1].transport_error
    assert_fails("no-server-error", results[-1], needle="backend hangs")
    # Other operations are still sent.
    assert faulty.session.call("ListCompilationJobs", {"NameContains": "cf-x"}).ok
