"""The full-constraint validator: every kind, both modes, and it never mutates its input."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

import strategies
from strategies._validate import KINDS


@pytest.fixture(scope="module")
def describe_out(sagemaker):
    return sagemaker.operation_model("DescribeCompilationJob").output_shape


@pytest.fixture(scope="module")
def create_in(sagemaker):
    return sagemaker.operation_model("CreateCompilationJob").input_shape


def _wire_body() -> dict:
    return {
        "CompilationJobName": "job-1",
        "CompilationJobArn": "arn:aws:sagemaker:us-west-2:123456789012:compilation-job/job-1",
        "CompilationJobStatus": "COMPLETED",
        "StoppingCondition": {"MaxRuntimeInSeconds": 900},
        "CreationTime": 1.622242453e9,
        "LastModifiedTime": 1622242500,
        "FailureReason": "",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://bucket/out/model.tar.gz"},
        "RoleArn": "arn:aws:iam::123456789012:role/Neo",
        "InputConfig": {"S3Uri": "s3://bucket/model.tar.gz", "Framework": "PYTORCH"},
        "OutputConfig": {"S3OutputLocation": "s3://bucket/out/", "TargetDevice": "amba_cv25"},
    }


def _kinds(problems) -> list[tuple]:
    return [(p.path, p.kind) for p in problems]


def test_a_valid_wire_body_passes(describe_out) -> None:
    assert strategies.validate(_wire_body(), describe_out, wire=True) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b.update(CreationTime="2021-05-28T22:54:13Z"), [(("CreationTime",), "wrong_type")]),
        (lambda b: b.update(CreationTime=True), [(("CreationTime",), "wrong_type")]),
        (lambda b: b.pop("RoleArn"), [(("RoleArn",), "missing_required")]),
        (lambda b: b.update(CompilationJobStatus="DONE"), [(("CompilationJobStatus",), "enum")]),
        (lambda b: b["OutputConfig"].update(TargetDevice="amba_cv26"), [(("OutputConfig", "TargetDevice"), "enum")]),
        (lambda b: b.update(FailureReason="x" * 1687), [(("FailureReason",), "max_length")]),
        (lambda b: b.update(CompilationJobName="-bad"), [(("CompilationJobName",), "pattern")]),
        (lambda b: b.update(CompilationJobName=""), [(("CompilationJobName",), "min_length"), (("CompilationJobName",), "pattern")]),
        (lambda b: b.update(Extra=1), [(("Extra",), "unknown_member")]),
        (lambda b: b.update(StoppingCondition={"MaxRuntimeInSeconds": 0}), [(("StoppingCondition", "MaxRuntimeInSeconds"), "min_value")]),
        (lambda b: b.update(StoppingCondition={"MaxPendingTimeInSeconds": 2419201}), [(("StoppingCondition", "MaxPendingTimeInSeconds"), "max_value")]),
        (lambda b: b.update(StoppingCondition={"MaxRuntimeInSeconds": "900"}), [(("StoppingCondition", "MaxRuntimeInSeconds"), "wrong_type")]),
        (lambda b: b.update(StoppingCondition={"MaxRuntimeInSeconds": 900.0}), [(("StoppingCondition", "MaxRuntimeInSeconds"), "wrong_type")]),
        (lambda b: b.update(VpcConfig={"SecurityGroupIds": [], "Subnets": ["subnet-1"]}), [(("VpcConfig", "SecurityGroupIds"), "list_size")]),
        (lambda b: b.update(ModelArtifacts=None), [(("ModelArtifacts",), "wrong_type")]),
    ],
)
def test_each_kind_is_reported_at_its_path(describe_out, change, expected) -> None:
    body = _wire_body()
    change(body)
    assert _kinds(strategies.validate(body, describe_out, wire=True)) == expected


def test_problems_carry_kind_path_and_message(describe_out) -> None:
    body = _wire_body()
    body.pop("ModelArtifacts")
    (problem,) = strategies.validate(body, describe_out, wire=True)
    assert problem.kind in KINDS and problem.path == ("ModelArtifacts",) and "ModelArtifacts" in problem.message
    assert str(problem).startswith("ModelArtifacts: missing_required")
    assert strategies.validate(body, describe_out, wire=True, check_required=False) == []


def test_python_mode_takes_datetimes_and_bytes_wire_mode_numbers_and_base64(sagemaker) -> None:
    shape = sagemaker.operation_model("ListCompilationJobs").input_shape
    now = dt.datetime(2021, 6, 28, tzinfo=dt.timezone.utc)
    assert strategies.validate({"CreationTimeAfter": now}, shape) == []
    assert _kinds(strategies.validate({"CreationTimeAfter": now}, shape, wire=True)) == [(("CreationTimeAfter",), "wrong_type")]
    assert strategies.validate({"CreationTimeAfter": 1624838400}, shape, wire=True) == []
    assert _kinds(strategies.validate({"CreationTimeAfter": [1]}, shape)) == [(("CreationTimeAfter",), "wrong_type")]


def test_blobs() -> None:
    import botocore.session

    dynamodb = botocore.session.get_session().get_service_model("dynamodb")
    shape = dynamodb.shape_for("BinaryAttributeValue")
    assert strategies.validate(b"abc", shape) == []
    assert strategies.validate(bytearray(b"abc"), shape) == []
    assert _kinds(strategies.validate(12, shape)) == [((), "wrong_type")]
    assert strategies.validate("YWJj", shape, wire=True) == []
    assert _kinds(strategies.validate("not base64!", shape, wire=True)) == [((), "wrong_type")]
    assert _kinds(strategies.validate(b"abc", shape, wire=True)) == [((), "wrong_type")]


def test_tagged_unions(sagemaker) -> None:
    union = next(
        sagemaker.shape_for(n) for n in sagemaker.shape_names
        if sagemaker.shape_for(n).type_name == "structure" and sagemaker.shape_for(n).is_tagged_union
    )
    assert ((), "union") in _kinds(strategies.validate({}, union))


def test_it_never_mutates_its_input(describe_out, create_in) -> None:
    body = _wire_body()
    body["Extra"] = {"nested": [1, 2]}
    body["CompilationJobName"] = ""
    before = copy.deepcopy(body)
    strategies.validate(body, describe_out, wire=True)
    strategies.validate(body, describe_out)
    assert body == before


def test_java_patterns_are_checked_with_their_translation(create_in) -> None:
    tags = {"CompilationJobName": "a", "RoleArn": "arn:aws:iam::123456789012:role/R",
            "OutputConfig": {"S3OutputLocation": "s3://b/k", "TargetDevice": "ml_c5"},
            "StoppingCondition": {}, "Tags": [{"Key": "Ünïcode key", "Value": "東京"}]}
    assert strategies.validate(tags, create_in) == []
    tags["Tags"][0]["Key"] = "bad!"
    assert _kinds(strategies.validate(tags, create_in)) == [(("Tags", 0, "Key"), "pattern")]
