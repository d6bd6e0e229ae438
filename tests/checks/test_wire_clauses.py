"""Wire clauses judge every exchange of the run, one verdict per clause: each fails on a backend
with exactly its defect (in-process moto with one response rewritten), passes where the
backend is right, and is skipped where no exchange exercised it."""

from __future__ import annotations

import json

import pytest

from conformance.checks.clauses import JUDGED, WireClauses, merge, results
from conformance.exchange import Exchange
from conformance.scenarios import FOUNDING_CREATE, setup_job

from tests.checks.conftest import edit_body

ARN_REQUIRED = "ListCompilationJobs/response-shape/CompilationJobSummaries[].CompilationJobArn:required"
STATUS_ENUM = "DescribeCompilationJob/response-shape/CompilationJobStatus:enum"
ARTIFACTS = "DescribeCompilationJob/response-shape/ModelArtifacts:required"
END_TIME = "DescribeCompilationJob/response-shape/CompilationEndTime:absent-while-INPROGRESS-STOPPING"


def _outcomes(wire: WireClauses) -> dict[str, dict]:
    return {r["id"]: r for r in results(merge([wire.state()]))}


@pytest.fixture
def judged(faulty):
    """The faulty in-process session with every exchange judged, as the plugin does."""
    wire = WireClauses(JUDGED)
    faulty.session.caller.observers.append(wire)
    return faulty, wire


def _list_one(session):
    sent, _ = setup_job(session, FOUNDING_CREATE, hint="wire")
    session.call("ListCompilationJobs", {"NameContains": sent["CompilationJobName"]})
    return sent


def test_a_summary_without_its_arn_fails_that_clause_only(judged):
    faulty, wire = judged
    faulty.break_("ListCompilationJobs", edit_body(lambda b: {**b, "CompilationJobSummaries": [
        {k: v for k, v in s.items() if k != "CompilationJobArn"} for s in b["CompilationJobSummaries"]]}))
    _list_one(faulty.session)
    got = _outcomes(wire)
    assert got[ARN_REQUIRED]["outcome"] == "failed"
    assert "CompilationJobArn" in got[ARN_REQUIRED]["message"]
    assert got[ARN_REQUIRED]["example"]["operation"] == "ListCompilationJobs"
    failed = sorted(rid for rid, r in got.items() if r["outcome"] == "failed" and rid.startswith("ListCompilationJobs/"))
    assert failed == [ARN_REQUIRED]


def test_the_same_clause_holds_on_moto(judged):
    _, wire = judged
    _list_one(judged[0].session)
    got = _outcomes(wire)
    assert got[ARN_REQUIRED]["outcome"] == "passed"
    assert got["ListCompilationJobs/no-server-error/every-exchange"]["outcome"] == "passed"


def test_a_listing_without_summaries_does_not_exercise_the_summary_clauses(judged):
    faulty, wire = judged
    faulty.session.call("ListCompilationJobs", {"NameContains": faulty.session.prefix})
    got = _outcomes(wire)
    assert got[ARN_REQUIRED]["outcome"] == "skipped"
    assert "no exchange of the run exercised" in got[ARN_REQUIRED]["message"]


def _exchange(operation: str, status: int, body, headers=None) -> Exchange:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return Exchange(operation, {}, status, headers=headers or {"Content-Type": "application/x-amz-json-1.1"},
                    raw_body=raw, parsed=body if isinstance(body, dict) else None)


def _described(status: str, **members) -> dict:
    body = {"CompilationJobName": "cf-x-1", "CompilationJobArn":
            "arn:aws:sagemaker:us-east-1:123456789012:compilation-job/cf-x-1",
            "CompilationJobStatus": status, "StoppingCondition": {"MaxRuntimeInSeconds": 900},
            "CreationTime": 1.6e9, "LastModifiedTime": 1.6e9, "RoleArn": "arn:aws:iam::123456789012:role/r",
            "InputConfig": {"S3Uri": "s3://b/k", "Framework": "PYTORCH"},
            "OutputConfig": {"S3OutputLocation": "s3://b/o", "TargetDevice": "amba_cv25"}}
    body.update(members)
    return body


def test_status_dependent_presence_is_its_own_clause():
    wire = WireClauses(["DescribeCompilationJob"])
    wire(_exchange("DescribeCompilationJob", 200, _described("INPROGRESS")))
    got = _outcomes(wire)
    assert got[ARTIFACTS]["outcome"] == "skipped"  # INPROGRESS may omit it (observed-aws)
    assert got[ARTIFACTS]["basis"] == "observed-aws"
    assert got[END_TIME]["outcome"] == "passed"
    wire(_exchange("DescribeCompilationJob", 200, _described("COMPLETED", FailureReason="x")))
    wire(_exchange("DescribeCompilationJob", 200, _described("STOPPING", CompilationEndTime=1.7e9)))
    got = _outcomes(wire)
    assert got[ARTIFACTS]["outcome"] == "failed" and "COMPLETED" in got[ARTIFACTS]["message"]
    assert got[END_TIME]["outcome"] == "failed"
    assert got[STATUS_ENUM]["outcome"] == "passed"


def test_an_unknown_status_fails_the_enum_clause_with_the_first_exchange():
    wire = WireClauses(["DescribeCompilationJob"])
    wire(_exchange("DescribeCompilationJob", 200, _described("Completed")))
    wire(_exchange("DescribeCompilationJob", 200, _described("DONE")))
    got = _outcomes(wire)[STATUS_ENUM]
    assert got["outcome"] == "failed"
    assert "Completed" in got["example"]["response"]["body"]
    assert "broken by 2 of 2 exchanges" in got["message"]


def test_a_server_error_fails_no_server_error_of_its_operation_only():
    wire = WireClauses(JUDGED)
    wire(_exchange("StopCompilationJob", 500, b"<html>NotImplementedError</html>", {"Content-Type": "text/html"}))
    wire(_exchange("DescribeCompilationJob", 400, {"__type": "ResourceNotFound", "message": "no"}))
    got = _outcomes(wire)
    assert got["StopCompilationJob/no-server-error/every-exchange"]["outcome"] == "failed"
    assert got["DescribeCompilationJob/no-server-error/every-exchange"]["outcome"] == "passed"
    assert got["DescribeCompilationJob/error-contract/every-4xx"]["outcome"] == "passed"
    assert got["StopCompilationJob/error-contract/every-4xx"]["outcome"] == "skipped"


def test_an_error_body_without_type_fails_error_contract():
    wire = WireClauses(["ListCompilationJobs"])
    wire(_exchange("ListCompilationJobs", 400, {"message": "bad token"}))
    assert _outcomes(wire)["ListCompilationJobs/error-contract/every-4xx"]["outcome"] == "failed"


def test_a_2xx_whose_body_is_not_json_fails_one_clause():
    wire = WireClauses(["DescribeCompilationJob"])
    wire(_exchange("DescribeCompilationJob", 200, b"<html>ok</html>"))
    got = _outcomes(wire)
    assert got["DescribeCompilationJob/response-shape/<output>:json"]["outcome"] == "failed"
    assert [rid for rid, r in got.items() if r["outcome"] == "failed"] == [
        "DescribeCompilationJob/response-shape/<output>:json"]


def test_placeholders_are_fidelity_notes_not_failures():
    wire = WireClauses(["DescribeCompilationJob"])
    wire(_exchange("DescribeCompilationJob", 200, _described(
        "COMPLETED", InferenceImage="InferenceImage", ModelArtifacts={"S3ModelArtifacts": "s3://b/o"},
        DerivedInformation={"DerivedDataInputConfig": "DerivedDataInputConfig"})))
    notes = merge([wire.state()])["notes"]
    assert set(notes) == {"DescribeCompilationJob/fidelity/InferenceImage-placeholder",
                          "DescribeCompilationJob/fidelity/DerivedInformation.DerivedDataInputConfig-placeholder"}
    wire = WireClauses(["DescribeCompilationJob"])
    wire(_exchange("DescribeCompilationJob", 200, _described(
        "COMPLETED", ModelArtifacts={"S3ModelArtifacts": "s3://b/o"},
        InferenceImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/neo:latest")))
    assert merge([wire.state()])["notes"] == {}


def test_workers_merge_counts_and_keep_the_first_failure():
    a, b = WireClauses(["DescribeCompilationJob"]), WireClauses(["DescribeCompilationJob"])
    a(_exchange("DescribeCompilationJob", 200, _described("COMPLETED", ModelArtifacts={"S3ModelArtifacts": "s3://b/o"})))
    b(_exchange("DescribeCompilationJob", 200, _described("DONE")))
    got = {r["id"]: r for r in results(merge([a.state(), b.state()]))}
    assert got[STATUS_ENUM]["outcome"] == "failed" and "broken by 1 of 2" in got[STATUS_ENUM]["message"]
    assert got[ARTIFACTS]["outcome"] == "passed"  # exercised on one worker, held there
    assert set(got) == {r["id"] for r in results(merge([a.state()]))}  # the same ids either way
