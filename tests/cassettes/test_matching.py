"""Matching, scrubbing and configuration of the cassette backend, without a server."""

from __future__ import annotations

import json

import pytest
from vcr.request import Request

from conformance import cassettes
from conformance.errors import NothingToJudge, UsageError

TARGET = "SageMaker.ListCompilationJobs"


def request(body: dict | str, target: str = TARGET, host: str = "https://api.sagemaker.us-east-1.amazonaws.com/",
            **headers: str) -> Request:
    raw = body if isinstance(body, str) else json.dumps(body)
    return Request("POST", host, raw.encode(), {"X-Amz-Target": target.encode(), **headers})


def test_bodies_match_whatever_the_key_order_host_and_port():
    recorded = request({"NameContains": "cf-rec", "MaxResults": 3}, host="http://127.0.0.1:40123/")
    replayed = request('{"MaxResults": 3, "NameContains": "cf-rec"}')
    cassettes.match_amz_target(recorded, replayed)
    cassettes.match_aws_json_body(recorded, replayed)


def test_different_operation_or_member_does_not_match():
    with pytest.raises(AssertionError, match="X-Amz-Target"):
        cassettes.match_amz_target(request({}), request({}, target="SageMaker.DescribeCompilationJob"))
    with pytest.raises(AssertionError, match="body"):
        cassettes.match_aws_json_body(request({"MaxResults": 3}), request({"MaxResults": 4}))


def test_client_timestamps_become_numbered_placeholders_that_keep_equality():
    a = cassettes.canonical_body(TARGET, json.dumps(
        {"CreationTimeAfter": 1.7e9, "CreationTimeBefore": 1.8e9, "LastModifiedTimeAfter": 1.7e9}))
    b = cassettes.canonical_body(TARGET, json.dumps(
        {"CreationTimeAfter": 1.9e9, "CreationTimeBefore": 2.0e9, "LastModifiedTimeAfter": 1.9e9}))
    assert a == b
    assert json.loads(a) == {"CreationTimeAfter": "<timestamp:1>", "CreationTimeBefore": "<timestamp:2>",
                             "LastModifiedTimeAfter": "<timestamp:1>"}
    # Equal timestamps in one request and different ones in the other are not the same request.
    c = cassettes.canonical_body(TARGET, json.dumps(
        {"CreationTimeAfter": 1.9e9, "CreationTimeBefore": 2.0e9, "LastModifiedTimeAfter": 2.0e9}))
    assert a != c


def test_non_timestamp_numbers_and_names_are_kept():
    body = cassettes.canonical_body("SageMaker.DescribeCompilationJob",
                                    '{"CompilationJobName": "cf-recw1-ab12cd34-3"}')
    assert json.loads(body) == {"CompilationJobName": "<run-prefix:1>-ab12cd34-3"}
    assert cassettes.canonical_body(TARGET, '{"MaxResults": 7}') == '{"MaxResults":7}'
    assert cassettes.canonical_body(TARGET, b"not json") == "not json"


def test_the_lower_priority_claims_a_leaf_and_the_next_never_sees_it():
    # A timestamp member holding a run-prefixed string: both transformers could claim it.
    body = json.dumps({"CreationTimeAfter": "cf-rec-1"})
    assert json.loads(cassettes.canonical_body(TARGET, body)) == {"CreationTimeAfter": "<timestamp:1>"}
    # Priority decides, not the order they are passed in.
    by_name = {t.name: t for t in cassettes.TRANSFORMERS}
    reordered = (by_name["run-prefix"], by_name["timestamp"])
    assert cassettes.canonical_body(TARGET, body, reordered) == cassettes.canonical_body(TARGET, body)
    first = cassettes.Transformer("run-prefix", priority=5, part=by_name["run-prefix"].part)
    assert json.loads(cassettes.canonical_body(TARGET, body, (by_name["timestamp"], first))) == {
        "CreationTimeAfter": "<run-prefix:1>-1"}
    assert len(by_name) == len(cassettes.TRANSFORMERS)  # names number placeholders: one each


def test_scrub_drops_credentials_and_signing_headers():
    live = request({"A": 1}, **{
        "Authorization": b"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/...",
        "X-Amz-Security-Token": b"FwoGZXIvYXdzE...", "X-Amz-Date": b"20260101T000000Z",
        "User-Agent": b"Boto3/1.43", "amz-sdk-invocation-id": b"x", "amz-sdk-request": b"attempt=1",
        "Content-Type": b"application/x-amz-json-1.1"})
    scrubbed = cassettes.scrub_request(live)
    assert sorted(scrubbed.headers) == ["Content-Type", "X-Amz-Target"]
    assert scrubbed.headers["Content-Type"] == "application/x-amz-json-1.1"  # text, not !!binary


def test_scrub_response_and_account_masking_are_consistent():
    account = ("987654321098",)
    arn = "arn:aws:sagemaker:eu-west-1:987654321098:compilation-job/cf-rec-1"
    response = {"status": {"code": 200}, "headers": {"Set-Cookie": ["s=1"], "Content-Length": ["10"]},
                "body": {"string": json.dumps({"CompilationJobArn": arn, "Out": "s3://sagemaker-eu-west-1-987654321098/o",
                                               "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k"}).encode()}}
    masked = cassettes.scrub_response(response, accounts=account)
    body = masked["body"]["string"]
    assert "Set-Cookie" not in masked["headers"]
    assert b"987654321098" not in body and body.count(b"123456789012") == 2
    assert b"111122223333" in body  # another account's id (generated into a request) is kept
    assert masked["headers"]["Content-Length"] == [str(len(body))]
    assert response["body"]["string"].count(b"987654321098") == 2  # the caller's copy is untouched
    req = cassettes.scrub_request(request({"RoleArn": "arn:aws:iam::987654321098:role/R"}), accounts=account)
    assert b"arn:aws:iam::123456789012:role/R" in req.body
    assert cassettes.account_of("arn:aws:iam::987654321098:role/R") == "987654321098"
    assert cassettes.account_of("not an arn") is None


def test_cassette_names_follow_pytest_recording_and_ignore_the_rootdir():
    assert cassettes.cassette_name("conformance/suite/test_errors.py::test_missing_job[Stop-x]") == \
        cassettes.cassette_name("../elsewhere/test_errors.py::test_missing_job[Stop-x]") == \
        "test_errors/test_missing_job[Stop-x]"
    assert cassettes.cassette_name("s/test_m.py::TestMachine::runTest") == "test_m/TestMachine.runTest"


def test_recording_against_aws_names_what_is_missing(tmp_path, monkeypatch):
    for key in ("ROLE_ARN", "S3_MODEL_URI", "S3_OUTPUT_LOCATION", "RECORDED_AGAINST"):
        monkeypatch.delenv(f"CONFORMANCE_{key}", raising=False)
    monkeypatch.setenv("CONFORMANCE_ROLE_ARN", "arn:aws:iam::111122223333:role/Neo")
    settings = {"record_mode": "once", "endpoint_url": None, "region": "us-east-1", "s3_model_uri": "s3://b/m.tgz"}
    with pytest.raises(UsageError) as info:
        cassettes.recording_config(settings, tmp_path)
    assert str(info.value).startswith("recording against AWS needs s3_output_location:")
    assert "CONFORMANCE_S3_OUTPUT_LOCATION" in str(info.value) and "\n" not in str(info.value)
    # Replay and recordings against an emulator need none of it.
    assert cassettes.recording_config({**settings, "record_mode": "none"}, tmp_path).replaying
    emulator = cassettes.recording_config({**settings, "endpoint_url": "http://127.0.0.1:5000"}, tmp_path)
    assert emulator.recorded_against == "emulator" and emulator.resources is None


def test_configured_resources_reach_create_requests_only():
    transform = cassettes.resource_transform(
        {"role_arn": "arn:aws:iam::1:role/R", "s3_model_uri": "s3://b/m", "s3_output_location": "s3://b/o/"})
    create = {"RoleArn": "x", "InputConfig": {"S3Uri": "s3://gen", "Framework": "ONNX"},
              "OutputConfig": {"S3OutputLocation": "s3://gen/o", "TargetDevice": "amba_cv25"}}
    out = transform("CreateCompilationJob", create)
    assert out["RoleArn"] == "arn:aws:iam::1:role/R" and out["InputConfig"] == {"S3Uri": "s3://b/m", "Framework": "ONNX"}
    assert out["OutputConfig"]["S3OutputLocation"] == "s3://b/o/" and create["RoleArn"] == "x"
    assert transform("DescribeCompilationJob", {"CompilationJobName": "n"}) == {"CompilationJobName": "n"}
    assert cassettes.resource_transform(None) is None


def test_corrupt_cassette_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "ok.yaml").write_text("interactions: []\nversion: 1\n")
    bad = tmp_path / "sub" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("interactions: [\n")
    with pytest.raises(UsageError) as info:
        cassettes.validate_dir(tmp_path, tmp_path)
    assert str(info.value).startswith("corrupt cassette sub/bad.yaml:") and "\n" not in str(info.value)
    bad.write_text("interactions:\n- request: 1\n")
    with pytest.raises(UsageError, match="interaction 0 lacks request/response"):
        cassettes.validate_dir(tmp_path, tmp_path)


@pytest.mark.parametrize("mode", ["once", "new_episodes", "all", "rewrite"])
def test_recording_may_start_from_an_empty_or_missing_folder(tmp_path, mode):
    assert cassettes.require_cassettes(tmp_path / "missing", mode, tmp_path) == 0
    assert cassettes.require_cassettes(tmp_path, mode, tmp_path) == 0


def test_replay_needs_a_cassette(tmp_path):
    with pytest.raises(NothingToJudge, match="cassette folder missing does not exist"):
        cassettes.require_cassettes(tmp_path / "missing", "none", tmp_path)
    with pytest.raises(NothingToJudge, match=r"cassette folder \. holds no cassettes"):
        cassettes.require_cassettes(tmp_path, "none", tmp_path)
    (tmp_path / "test_errors").mkdir()
    (tmp_path / "test_errors" / "test_x.yaml").write_text("interactions: []\nversion: 1\n")
    assert cassettes.require_cassettes(tmp_path, "none", tmp_path) == 1
