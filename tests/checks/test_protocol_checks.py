"""The protocol checks (malformed-body-rejected, unknown-operation-rejected, content-type) fail
on a backend with exactly their defect and pass where the backend is right: hand-made
exchanges, raw calls through the fault proxy with and without the defect, and the suite's
test_protocol run by ``conformance selftest`` against the proxy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import checks
from conformance.backends import Backend, BackendOptions
from conformance.checks import protocol
from conformance.errors import CheckFailure
from conformance.exchange import Caller, Exchange
from conformance.faults import FaultProxy, moto_server
from conformance.scenarios import FOUNDING_CREATE, setup_job

JSON_11 = "application/x-amz-json-1.1"
TRUNCATED = b'{"CompilationJobName": '


def raw(operation: str, body: str, status: int | None, *, code: str | None = None,
        headers: dict | None = None, response: bytes = b"") -> Exchange:
    """A hand-made exchange as send_raw makes it."""
    request = {"X-Amz-Target": f"SageMaker.{operation}", "Content-Type": JSON_11, "body": body}
    return Exchange(operation, request, status, headers=headers or {}, raw_body=response, error_code=code,
                    transport_error=None if status is not None else "ConnectionResetError: reset")


def success(operation: str = "DescribeCompilationJob", headers: dict | None = None, status: int = 200) -> Exchange:
    return Exchange(operation, {"CompilationJobName": "cf-x-1"}, status, headers=headers or {}, raw_body=b"{}")


def fails(check: str, exchange: Exchange, needle: str = "") -> CheckFailure:
    with pytest.raises(CheckFailure) as info:
        checks.get(check)(exchange)
    assert info.value.check == check and info.value.basis == checks.get(check).basis
    assert needle in info.value.message, info.value.message
    assert info.value.example["request"] == exchange.example()["request"]
    return info.value


def passes(check: str, exchange: Exchange) -> None:
    assert checks.get(check)(exchange) is True, exchange.describe()


def does_not_apply(check: str, exchange: Exchange) -> None:
    assert checks.get(check)(exchange) is False, exchange.describe()


# ------------------------------------------------------------------ registration


def test_registered_with_their_basis_and_cited_evidence():
    assert checks.get("malformed-body-rejected").basis == "assumption"
    assert "RestJsonInvalidJsonBody" in checks.get("malformed-body-rejected").doc
    assert checks.get("unknown-operation-rejected").basis == "aws-docs"
    assert "InvalidAction" in checks.get("unknown-operation-rejected").doc
    assert checks.get("content-type").basis == "observed-aws"
    assert "Does not apply to an exchange without headers" in checks.get("content-type").doc
    assert protocol.media_type() == JSON_11
    assert protocol.target("CreateCompilationJob") == "SageMaker.CreateCompilationJob"


# ------------------------------------------------------------------ malformed-body-rejected


@pytest.mark.parametrize("status,code", [(400, "SerializationException"), (400, "ValidationException"),
                                         (404, None), (413, "RequestEntityTooLarge")])
def test_malformed_body_any_4xx_passes(status, code):
    passes("malformed-body-rejected", raw("CreateCompilationJob", "not json", status, code=code))


@pytest.mark.parametrize("status,needle", [(500, "HTTP 500"), (502, "a server error"), (200, "not refused"),
                                           (None, "no answer")])
def test_malformed_body_5xx_2xx_or_no_answer_fails(status, needle):
    failure = fails("malformed-body-rejected", raw("CreateCompilationJob", '{"CompilationJobName": ', status),
                    needle)
    assert "SerializationException" in failure.message and "any 4xx passes" in failure.message
    assert failure.example["request"]["body"] == '{"CompilationJobName": '


def test_malformed_body_applies_only_to_raw_bodies_that_are_not_json():
    does_not_apply("malformed-body-rejected", raw("CreateCompilationJob", "{}", 200))
    does_not_apply("malformed-body-rejected", raw("NoSuchOperation", "not json", 500))
    does_not_apply("malformed-body-rejected", success("CreateCompilationJob", status=500))


def test_code_remark_says_when_the_code_differs_and_only_then():
    assert protocol.code_remark(raw("DescribeCompilationJob", "not json", 400, code="SerializationException"),
                                protocol.SERIALIZATION_CODE) is None
    remark = protocol.code_remark(raw("DescribeCompilationJob", "not json", 400, code="ResourceNotFound"),
                                  protocol.SERIALIZATION_CODE)
    assert "ResourceNotFound" in remark and "SerializationException" in remark and "not public" in remark
    assert protocol.code_remark(raw("CreateCompilationJob", "x", 500), protocol.SERIALIZATION_CODE) is None


# ------------------------------------------------------------------ unknown-operation-rejected


def test_unknown_operation_verdicts():
    passes("unknown-operation-rejected", raw("NoSuchOperation", "{}", 400, code="UnknownOperationException"))
    passes("unknown-operation-rejected", raw("NoSuchOperation", "{}", 400, code="InvalidAction"))
    fails("unknown-operation-rejected", raw("NoSuchOperation", "{}", 200, response=b"{}"), "not refused")
    fails("unknown-operation-rejected", raw("NoSuchOperation", "{}", 500, response=b"<html>"), "HTTP 500")
    fails("unknown-operation-rejected", raw("NoSuchOperation", "{}", None), "no answer")
    does_not_apply("unknown-operation-rejected", raw("ListCompilationJobs", "{}", 200))
    does_not_apply("unknown-operation-rejected", success())


# ------------------------------------------------------------------ content-type (hand-made)


@pytest.mark.parametrize("headers", [{"Content-Type": JSON_11}, {"content-type": JSON_11},
                                     {"Content-Type": JSON_11 + "; charset=utf-8"},
                                     {"CONTENT-TYPE": "Application/X-Amz-Json-1.1"}])
def test_content_type_passes(headers):
    passes("content-type", success(headers={"x-amzn-requestid": "r", **headers}))


@pytest.mark.parametrize("value", ["application/json", "text/html; charset=utf-8", "application/x-amz-json-1.0"])
def test_content_type_fails_on_another_media_type(value):
    fails("content-type", success(headers={"Content-Type": value}), repr(value))


def test_content_type_fails_without_the_header():
    fails("content-type", success(headers={"x-amzn-requestid": "r"}), "without a Content-Type")


def test_content_type_does_not_apply_without_headers_or_to_errors():
    does_not_apply("content-type", success(headers={}))
    does_not_apply("content-type", success(headers={"Content-Type": "application/json"}, status=400))
    does_not_apply("content-type", success(headers={"Content-Type": "text/html"}, status=500))
    does_not_apply("content-type", Exchange("DescribeCompilationJob", {}, None, transport_error="reset"))


# ------------------------------------------------------------------ what moto answers


def test_content_type_on_moto_in_process(faulty):
    session = faulty.session
    sent, created = setup_job(session, FOUNDING_CREATE)
    described = session.call("DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
    for exchange in (created, described):
        assert exchange.ok and exchange.headers, exchange.describe()
        passes("content-type", exchange)


@pytest.fixture(scope="module")
def upstream():
    with moto_server() as url:
        yield url


@pytest.fixture
def proxied(upstream):
    """``caller, url = proxied(defects)``: a Caller (and the URL) through a fresh fault proxy."""
    opened: list[FaultProxy] = []

    def make(*defects: str):
        proxy = FaultProxy(upstream, defects=list(defects)).start()
        opened.append(proxy)
        backend = Backend(BackendOptions(kind="server", endpoint=proxy.url, read_timeout=5), endpoint=proxy.url)
        return Caller(backend.client(), keep_history=False), proxy.url

    yield make
    for proxy in opened:
        proxy.close()
    for proxy in opened:
        assert not proxy.errors, proxy.errors


def _create_and_describe(caller: Caller, name: str) -> list[Exchange]:
    request = {**FOUNDING_CREATE, "CompilationJobName": name}
    made = caller.call("CreateCompilationJob", request)
    assert made.ok, made.describe()
    return [made, caller.call("DescribeCompilationJob", {"CompilationJobName": name}),
            caller.call("ListCompilationJobs", {"NameContains": name}),
            caller.call("DeleteCompilationJob", {"CompilationJobName": name})]


def test_content_type_through_the_proxy_with_and_without_wrong_content_type(proxied):
    faithful, _ = proxied()
    for exchange in _create_and_describe(faithful, "cf-proto-ct-faithful"):
        passes("content-type", exchange)
    defective, _ = proxied("wrong_content_type")
    for exchange in _create_and_describe(defective, "cf-proto-ct-wrong"):
        fails("content-type", exchange, "'application/json'")


@pytest.mark.parametrize("operation", ["CreateCompilationJob", "DescribeCompilationJob", "ListCompilationJobs"])
@pytest.mark.parametrize("body", [TRUNCATED, b"not json"], ids=["truncated-json", "not-json"])
def test_malformed_body_through_the_proxy(proxied, operation, body):
    _, faithful = proxied()
    exchange = protocol.send_raw(faithful, protocol.target(operation), body, timeout=5)
    passes("malformed-body-rejected", exchange)
    assert exchange.error_code == "SerializationException"
    _, defective = proxied("malformed_body_500")
    fails("malformed-body-rejected", protocol.send_raw(defective, protocol.target(operation), body, timeout=5),
          "HTTP 500")


def test_unknown_operation_through_the_proxy(proxied):
    _, faithful = proxied()
    exchange = protocol.send_raw(faithful, protocol.target("NoSuchOperation"), b"{}", timeout=5)
    passes("unknown-operation-rejected", exchange)
    assert exchange.error_code == "UnknownOperationException"
    _, defective = proxied("unknown_operation_200")
    fails("unknown-operation-rejected",
          protocol.send_raw(defective, protocol.target("NoSuchOperation"), b"{}", timeout=5), "HTTP 200")


def test_send_raw_signs_and_reports_no_answer(proxied):
    _, url = proxied()
    exchange = protocol.send_raw(url, protocol.target("ListCompilationJobs"), b"{}", timeout=5)
    assert exchange.ok and exchange.operation == "ListCompilationJobs"
    passes("content-type", exchange)
    from conformance.backends import free_port

    gone = protocol.send_raw(f"http://127.0.0.1:{free_port()}", protocol.target("ListCompilationJobs"), b"{}",
                             timeout=2)
    assert gone.status is None and "Connection" in gone.transport_error


def test_moto_server_answers_malformed_bodies_without_storing_a_job(upstream):
    """moto 5.2.1 reads a Create body it cannot parse as {} and crashes (500) before storing
    anything: sending it leaves no nameless job behind (such a job breaks List for everyone)."""
    for body in (TRUNCATED, b"not json"):
        exchange = protocol.send_raw(upstream, protocol.target("CreateCompilationJob"), body, timeout=5)
        assert exchange.status is not None and not exchange.ok, exchange.describe()
    listing = protocol.send_raw(upstream, protocol.target("ListCompilationJobs"),
                                b'{"NameContains": "cf", "MaxResults": 100}', timeout=5)
    assert listing.ok, listing.raw_body[:300]
    assert all(s.get("CompilationJobName") for s in json.loads(listing.raw_body)["CompilationJobSummaries"])


# ------------------------------------------------------------------ the suite against the proxy


SUITE = Path(checks.__file__).resolve().parent.parent / "suite"
#: defect -> the result ids that must kill it (and pass on the faithful proxy)
EXPECTED = {
    "malformed_body_500": [f"{op}/malformed-body-rejected/{case}"
                           for op in ("CreateCompilationJob", "DescribeCompilationJob", "ListCompilationJobs")
                           for case in ("truncated-json", "not-json")],
    "unknown_operation_200": ["SageMaker/unknown-operation-rejected/NoSuchOperation"],
}


def _run_suite_protocol(url: str, out: Path) -> dict:
    """suite/test_protocol.py under the suite's own pytest.ini, against ``url``, as
    `conformance run` would run it; returns its report.json."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE / "test_protocol.py"), "-c", str(SUITE / "pytest.ini"),
         "--rootdir", str(out), "-q", "--backend", "server", "--endpoint-url", url,
         "--read-timeout", "5", "--report-dir", str(out)],
        capture_output=True, text=True, timeout=300, cwd=out,
    )
    report = out / "report.json"
    assert report.exists(), proc.stdout + proc.stderr
    return json.loads(report.read_text())


def test_suite_protocol_tests_kill_their_defects_and_pass_on_the_faithful_proxy(upstream, tmp_path):
    outcomes: dict[str, dict[str, str]] = {}
    notes: dict[str, list[str]] = {}
    for label in (None, *EXPECTED):
        out = tmp_path / (label or "faithful")
        out.mkdir()
        with FaultProxy(upstream, defects=[label] if label else []) as proxy:
            report = _run_suite_protocol(proxy.url, out)
            assert not proxy.errors, proxy.errors
        outcomes[label or "faithful"] = {r["id"]: r["outcome"] for r in report["results"]}
        notes[label or "faithful"] = [n["id"] for n in report.get("notes", [])]
    every = sorted(rid for ids in EXPECTED.values() for rid in ids)
    assert outcomes["faithful"] == {rid: "passed" for rid in every}, outcomes["faithful"]
    assert notes["faithful"] == []  # the faithful proxy answers the codes AWS JSON services send
    for defect, ids in EXPECTED.items():
        failed = sorted(rid for rid, o in outcomes[defect].items() if o == "failed")
        assert failed == sorted(ids), (defect, outcomes[defect])
