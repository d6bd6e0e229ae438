"""The bridge: the auth rewrites and signs so moto's server accepts the call, and each bridged
schemathesis check fails on a backend with exactly its defect and passes where it is right."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from hypothesis import settings

from conformance import schemathesis_bridge as bridge
from conformance.backends import BackendOptions, open_backend
from conformance.errors import CheckFailure, UsageError
from conformance.scenarios import FOUNDING_CREATE
from conformance.session import RunSession

from .conftest import Answer

MTYPE = "application/x-amz-json-1.1"
FEW = settings(max_examples=3, derandomize=True, database=None, deadline=None)


# ---------------------------------------------------------------- auth


def _verify_signature(seen) -> None:
    """Recompute SigV4 from the bytes that reached the wire, over the headers the
    Authorization names: a header changed after signing would break it."""
    auth = seen.headers["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/sagemaker/aws4_request" in auth
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    signed_names = fields["SignedHeaders"].split(";")
    assert {"host", "x-amz-date", "x-amz-target", "content-type"} <= set(signed_names)
    lower = {k.lower(): v for k, v in seen.headers.items()}
    request = AWSRequest(method=seen.method, url=f"http://{lower['host']}{seen.path}", data=seen.body,
                         headers={name: lower[name] for name in signed_names})
    request.context["timestamp"] = lower["x-amz-date"]
    signer = SigV4Auth(bridge.DUMMY_CREDENTIALS, "sagemaker", "us-east-1")
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert fields["Signature"] == expected


def test_auth_rewrites_to_aws_json_and_signs(proxy):
    http = bridge.http_session()
    created = http.post(f"{proxy.url}/CreateCompilationJob",
                        data=json.dumps({**FOUNDING_CREATE, "CompilationJobName": "cf-auth-1"}))
    assert created.status_code == 200, created.text
    assert created.json()["CompilationJobArn"].endswith("compilation-job/cf-auth-1")
    assert created.headers["Content-Type"] == MTYPE
    seen = proxy.seen[-1]
    assert (seen.method, seen.path) == ("POST", "/")
    assert seen.headers["X-Amz-Target"] == "SageMaker.CreateCompilationJob"
    assert seen.headers["Content-Type"] == MTYPE
    _verify_signature(seen)
    # the job is real: boto3 itself describes it
    with open_backend(BackendOptions(kind="server", endpoint=proxy.url)) as backend:
        described = backend.client().describe_compilation_job(CompilationJobName="cf-auth-1")
        assert described["OutputConfig"]["TargetDevice"] == "amba_cv25"
        backend.client().delete_compilation_job(CompilationJobName="cf-auth-1")


def test_auth_keeps_a_path_prefix_and_refuses_unknown_operations(proxy):
    http = bridge.http_session()
    missing = http.post(f"{proxy.url}/DescribeCompilationJob", data=b'{"CompilationJobName":"cf-none"}')
    assert missing.status_code == 400 and missing.json()["__type"] == "ResourceNotFound"
    _verify_signature(proxy.seen[-1])
    with pytest.raises(UsageError, match="names no sagemaker operation"):
        http.post(f"{proxy.url}/NoSuchOperation", data=b"{}")
    prepared = bridge.AwsJsonAuth()(
        __import__("requests").Request("POST", "http://h:1/base/ListCompilationJobs", data=b"{}").prepare()
    )
    assert prepared.url == "http://h:1/base/"


# ---------------------------------------------------------------- checks vs defects


@pytest.fixture
def run_session(proxy) -> Iterator[RunSession]:
    with open_backend(BackendOptions(kind="server", endpoint=proxy.url)) as backend:
        session = RunSession(backend)
        yield session
        proxy.defect = None
        assert session.cleanup() == []


def _explore(session: RunSession, operation: str):
    return bridge.RunExplorer(session, hypothesis_settings=FEW).sent(operation)


def _on(operation: str, edit):
    """A defect that rewrites the answers to ``operation`` only (setup calls stay faithful)."""

    def defect(op: str, answer: Answer) -> Answer:
        return edit(answer) if op == operation else answer

    return defect


def _body(edit):
    def rewrite(answer: Answer) -> Answer:
        body = json.loads(answer.body)
        edit(body)
        return Answer(answer.status, answer.headers, json.dumps(body).encode())

    return rewrite


def _error(status: int, body: bytes, ctype: str = MTYPE):
    return lambda answer: Answer(status, {"Content-Type": ctype}, body)


DEFECTS = {
    "server-error-500": ("not_a_server_error",
                         _error(500, b'{"__type":"InternalFailure","message":"boom"}')),
    "route-missing-404": ("status_code_conformance",
                          _error(404, b'{"__type":"UnknownOperationException","message":"?"}')),
    "json-content-type": ("content_type_conformance",
                          lambda a: Answer(a.status, {**a.headers, "Content-Type": "application/json"}, a.body)),
    "status-not-in-enum": ("response_schema_conformance",
                           _body(lambda b: b.update(CompilationJobStatus="DONE"))),
    "timestamp-as-string": ("response_schema_conformance",
                            _body(lambda b: b.update(CreationTime="2021-06-28T10:00:00Z"))),
    "required-member-dropped": ("response_schema_conformance",
                                _body(lambda b: b.pop("CompilationJobArn"))),
    "non-json-body": ("response_schema_conformance",
                      lambda a: Answer(a.status, a.headers, b"<html>oops</html>")),
    "error-without-type": ("response_schema_conformance",
                           _error(400, b'{"message":"Could not find job"}')),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_check_fails_on_its_defect(proxy, run_session, defect):
    check, edit = DEFECTS[defect]
    proxy.defect = _on("DescribeCompilationJob", edit)
    sent = _explore(run_session, "DescribeCompilationJob")
    with pytest.raises(CheckFailure) as failure:
        bridge.judge_all(sent, check)
    found = failure.value
    assert found.check == "schemathesis" and check in found.message
    assert found.operation == "DescribeCompilationJob"
    assert found.basis == bridge.CHECKS[check].basis
    assert found.example["request"]["CompilationJobName"].startswith(run_session.prefix)
    assert found.example["response"]["status"] == sent[0].response.status_code


def _aws_like_describe(status: str, **extra):
    """What real AWS sends for a job in ``status`` (DESIGN.md): no ModelArtifacts unless
    COMPLETED, no FailureReason unless FAILED, no CompilationEndTime while running."""

    def edit(body):
        for member in ("ModelArtifacts", "FailureReason", "CompilationEndTime"):
            if not (status == "COMPLETED" and member != "FailureReason"):
                body.pop(member, None)
        body.update(CompilationJobStatus=status, **extra)

    return _body(edit)


@pytest.mark.parametrize("status,extra", [
    ("INPROGRESS", {}),
    ("STOPPING", {}),
    ("FAILED", {"FailureReason": "x" * 1687, "CompilationEndTime": 1.622242453e9}),
    ("COMPLETED", {"Surprise": "a member botocore does not know yet"}),
])
def test_what_aws_sends_passes_every_check(proxy, run_session, status, extra):
    proxy.defect = _on("DescribeCompilationJob", _aws_like_describe(status, **extra))
    sent = _explore(run_session, "DescribeCompilationJob")
    for check in bridge.CHECKS:
        assert bridge.judge_all(sent, check) == len(sent)


@pytest.mark.parametrize("operation", ["CreateCompilationJob", "DescribeCompilationJob",
                                       "DeleteCompilationJob"])
def test_checks_pass_on_moto(run_session, operation):
    """moto's server implements these three faithfully enough for every bridged check.
    (Its StopCompilationJob is not implemented, HTTP 500, and its ListCompilationJobs answers
    500 once a listed job has neither TargetDevice nor a full TargetPlatform: findings the
    suite reports, not exercised here.)"""
    sent = _explore(run_session, operation)
    assert sent and all(s.response is not None for s in sent)
    for check in bridge.CHECKS:
        assert bridge.judge_all(sent, check) == len(sent), check


def test_safety_every_name_is_the_runs_own(proxy, run_session):
    for operation in ("CreateCompilationJob", "ListCompilationJobs", "DeleteCompilationJob"):
        _explore(run_session, operation)
    for seen in proxy.seen:
        body = json.loads(seen.body or b"{}")
        name = body.get("CompilationJobName", body.get("NameContains"))
        if seen.headers["X-Amz-Target"].endswith("ListCompilationJobs"):
            # the run's prefix, or one of its jobs (isolation's probe lists the job just made)
            assert body["NameContains"] == run_session.prefix or body["NameContains"].startswith(run_session.prefix + "-")
        else:
            assert name.startswith(run_session.prefix + "-"), seen.body


def test_a_bridged_create_that_breaks_the_listing_is_isolated(run_session):
    """moto's server: a job with a TargetPlatform without Accelerator makes every later
    ListCompilationJobs answer 500. A Create the bridge sends is probed like the suite's own,
    so the job is found and removed where it was made and later listings are judged without it."""
    import copy
    from types import SimpleNamespace

    request = copy.deepcopy(FOUNDING_CREATE)
    request["OutputConfig"].pop("TargetDevice")
    request["OutputConfig"]["TargetPlatform"] = {"Os": "LINUX", "Arch": "X86_64"}
    prepare, after = bridge.RunExplorer(run_session, hypothesis_settings=FEW)._hooks("CreateCompilationJob")
    case = SimpleNamespace(body=request)
    prepare(case)
    sent = run_session.caller.call("CreateCompilationJob", case.body, observe=False)  # as schemathesis sends it
    assert sent.ok, sent.describe()
    after(case, SimpleNamespace(status_code=sent.status))
    assert case.body["CompilationJobName"] in run_session.quarantined
    listed = run_session.call("ListCompilationJobs", {"NameContains": run_session.prefix})
    assert listed.ok, listed.describe()
