"""Protocol clauses of AWS JSON 1.1 over HTTP (``--backend server`` only): requests botocore
cannot send, posted raw to the emulator (signed, see ``conformance.checks.protocol.send_raw``).

- ``<Operation>/malformed-body-rejected/<case>``: a call of Create, Describe or List whose body
  is not JSON gets a 4xx. Create is the write path (a body that is not JSON names no job, so
  nothing can be created), Describe takes a required name, List none; Stop and Delete take the
  same one-name body as Describe. Cases: ``truncated-json`` (a JSON object cut off after its
  first member name) and ``not-json``.
- ``SageMaker/unknown-operation-rejected/NoSuchOperation``: ``X-Amz-Target:
  SageMaker.NoSuchOperation`` with body ``{}`` gets a 4xx. The result's operation is the
  service's target prefix (``SageMaker``): the request is addressed to the service, not to
  one of its operations.

Any 4xx passes (the codes SageMaker sends are not public); a 4xx with another code than AWS
JSON services send (SerializationException, UnknownOperationException) is a fidelity note
with the result's id and ``:error-code``. On the in-process and cassette backends there is no
endpoint to post to: these tests are deselected there.
"""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.checks import protocol
from conformance.exchange import resend_transient
from conformance.model import service_model

SERVICE_OPERATION = service_model().metadata["targetPrefix"]

#: operation -> case -> body (bytes that are not JSON).
MALFORMED: dict[str, dict[str, bytes]] = {
    "CreateCompilationJob": {"truncated-json": b'{"CompilationJobName": ', "not-json": b"not json"},
    "DescribeCompilationJob": {"truncated-json": b'{"CompilationJobName": ', "not-json": b"not json"},
    "ListCompilationJobs": {"truncated-json": b'{"NameContains": ', "not-json": b"not json"},
}
UNKNOWN_OPERATIONS = ("NoSuchOperation",)

MALFORMED_CASES = [
    pytest.param(op, case, body,
                 marks=pytest.mark.conformance(operation=op, check="malformed-body-rejected", case=case,
                                               backends=("server",)),
                 id=f"{op}-{case}")
    for op, cases in MALFORMED.items()
    for case, body in cases.items()
]
UNKNOWN_CASES = [
    pytest.param(name,
                 marks=pytest.mark.conformance(operation=SERVICE_OPERATION, check="unknown-operation-rejected",
                                               case=name, backends=("server",)),
                 id=name)
    for name in UNKNOWN_OPERATIONS
]


@pytest.fixture(scope="module")
def raw_sender(conformance_backend):
    """``send(target, body) -> Exchange`` to the backend's endpoint, with its region and read timeout."""
    if not conformance_backend.endpoint:
        pytest.skip(f"backend {conformance_backend.kind} has no HTTP endpoint to post a raw body to")
    options = conformance_backend.options

    def send(target: str, body: bytes):
        return resend_transient(lambda: protocol.send_raw(conformance_backend.endpoint, target, body,
                                                          region=options.region, timeout=options.read_timeout),
                                options.max_attempts)

    return send


def _judge(check: str, exchange, result_id: str, aws_code: str, note) -> None:
    if not checks.get(check)(exchange):
        raise AssertionError(f"{check} did not apply to {exchange.describe()}: the test sent the wrong request")
    remark = protocol.code_remark(exchange, aws_code)
    if remark:
        note(f"{result_id}:error-code", remark, operation=result_id.split("/", 1)[0])


@pytest.mark.parametrize("operation,case,body", MALFORMED_CASES)
def test_malformed_body_rejected(raw_sender, conformance_note, operation, case, body):
    exchange = raw_sender(protocol.target(operation), body)
    _judge("malformed-body-rejected", exchange, f"{operation}/malformed-body-rejected/{case}",
           protocol.SERIALIZATION_CODE, conformance_note)


@pytest.mark.parametrize("name", UNKNOWN_CASES)
def test_unknown_operation_rejected(raw_sender, conformance_note, name):
    exchange = raw_sender(protocol.target(name), b"{}")
    _judge("unknown-operation-rejected", exchange, f"{SERVICE_OPERATION}/unknown-operation-rejected/{name}",
           protocol.UNKNOWN_OPERATION_CODE, conformance_note)
