"""The OpenAPI document: valid OpenAPI 3.0, faithful to the model on input, to AWS on output."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_30

from conformance import openapi
from conformance import schemathesis_bridge as bridge
from conformance.errors import UsageError
from conformance.model import OPERATIONS, service_model

MTYPE = "application/x-amz-json-1.1"


@pytest.fixture(scope="module")
def document():
    return openapi.build_document()


def _components(document, suffix=""):
    return {k: v for k, v in document["components"]["schemas"].items()
            if k.endswith(openapi._OUT) == bool(suffix)}


@pytest.mark.parametrize("service,operations", [
    ("sagemaker", None),
    ("sagemaker", "all"),  # every SageMaker operation: recursive shapes, unions, maps
    ("dynamodb", None),    # awsJson1_0
])
def test_document_is_valid_openapi_30(service, operations):
    if operations == "all":
        operations = sorted(service_model(service).operation_names)
    document = openapi.build_document(operations, service=service)
    errors = list(jsonschema.Draft4Validator(OPENAPI_30).iter_errors(document))
    assert not errors, errors[0].message[:500]
    schema = bridge.load_schema(document)
    schema.validate()  # schemathesis' own check (jsonschema-rs, regex formats included)
    assert len(list(schema.get_all_operations())) == len(document["paths"])
    json.dumps(document)  # plain JSON, exportable


def test_one_post_path_per_operation_with_the_protocol_media_type(document):
    assert list(document["paths"]) == [f"/{op}" for op in OPERATIONS]
    for op in OPERATIONS:
        post = document["paths"][f"/{op}"]["post"]
        assert post["x-amz-target"] == f"SageMaker.{op}"
        assert list(post["requestBody"]["content"]) == [MTYPE]
        assert set(post["responses"]) == {"200", "400", "403", "500", "503"}
        for status in ("400", "403", "500", "503"):
            assert list(post["responses"][status]["content"]) == [MTYPE]
    describe = document["paths"]["/DescribeCompilationJob"]["post"]["responses"]["200"]
    assert list(describe["content"]) == [MTYPE]
    # no output shape: what AWS sends is not public, so nothing is documented
    assert "content" not in document["paths"]["/StopCompilationJob"]["post"]["responses"]["200"]


def test_request_schemas_carry_the_model_constraints(document):
    schemas = document["components"]["schemas"]
    create = schemas["CreateCompilationJobRequest"]
    assert set(create["required"]) == {"CompilationJobName", "RoleArn", "OutputConfig", "StoppingCondition"}
    assert create["additionalProperties"] is False
    name = create["properties"]["CompilationJobName"]
    assert (name["minLength"], name["maxLength"]) == (1, 63)
    assert name["pattern"] == "^(?:[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$"
    assert "amba_cv25" in schemas["OutputConfig"]["properties"]["TargetDevice"]["enum"]
    role = create["properties"]["RoleArn"]["pattern"]
    assert "[0-9]{12}" in role and "\\d" not in role  # Java's ASCII \d, spelled so in ECMA
    tags = create["properties"]["Tags"]
    assert (tags["minItems"], tags["maxItems"]) == (0, 50)
    listing = schemas["ListCompilationJobsRequest"]["properties"]
    assert listing["MaxResults"]["minimum"] == 1 and listing["MaxResults"]["maximum"] == 100
    assert listing["CreationTimeAfter"]["type"] == "number"
    assert listing["CreationTimeAfter"]["maximum"] == openapi.MAX_TIMESTAMP


def test_response_schemas_are_relaxed_where_aws_breaks_the_model(document):
    describe = document["paths"]["/DescribeCompilationJob"]["post"]["responses"]["200"]
    schema = describe["content"][MTYPE]["schema"]
    for member in ("ModelArtifacts", "FailureReason", "CompilationEndTime"):
        assert member not in schema["required"], member
    assert {"CompilationJobStatus", "CreationTime"} <= set(schema["required"])
    assert schema["properties"]["CreationTime"] == {"type": "number", "x-botocore-type": "timestamp"}
    assert "additionalProperties" not in schema
    text = json.dumps([schema, _components(document, suffix="out")])
    assert "maxLength" not in text and "maxItems" not in text
    assert "INPROGRESS" in json.dumps(schema["properties"]["CompilationJobStatus"])


def test_error_schema_requires_type_and_a_message(document):
    validator = jsonschema.Draft4Validator(document["components"]["schemas"]["AwsJsonError"])
    assert validator.is_valid({"__type": "ResourceNotFound", "Message": "gone"})
    assert validator.is_valid({"__type": "ValidationException", "message": "bad"})
    assert not validator.is_valid({"message": "no type"})
    assert not validator.is_valid({"__type": "ValidationException"})
    assert not validator.is_valid({"__type": 3, "message": "x"})


@pytest.mark.parametrize("java,output,expected", [
    (r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+", False,
     r"^(?:arn:aws[a-z\-]*:iam::[0-9]{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)$"),
    (r"[\w:]+", False, r"^(?:[a-zA-Z0-9_:]+)$"),
    (r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)", False, r"^(?:([a-zA-Z 0-9_.:/=+\-@]*))$"),
    (r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)${1,256}", False, r"^(?:([a-zA-Z 0-9_.:/=+\-@]*))$"),
    (r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)", True, None),  # lenient on output
    (r"^\d+$", True, r"^[0-9]+$"),
    (r"\P{Cc}+", False, None),  # no ASCII narrowing: no pattern rather than a wrong one
])
def test_pattern_translation(java, output, expected):
    assert openapi._pattern(java, output=output) == expected
    if expected:
        re.compile(expected)


def test_usage_errors_are_one_line():
    with pytest.raises(UsageError, match="unknown operation"):
        openapi.build_document(["CreateCompilationJob", "Nope"])
    with pytest.raises(UsageError, match="not AWS JSON"):
        openapi.build_document(service="s3")
    with pytest.raises(UsageError, match="unknown service"):
        openapi.build_document(service="no-such-service")


def test_export_command(tmp_path, capsys):
    from conformance.cli import main

    target = tmp_path / "doc" / "neo.json"
    assert main(["openapi", "--operations", "DescribeCompilationJob,ListCompilationJobs",
                 "-o", str(target)]) == 0
    exported = json.loads(target.read_text())
    assert list(exported["paths"]) == ["/DescribeCompilationJob", "/ListCompilationJobs"]
    assert main(["openapi", "--operations", "Nope"]) == 2
    assert "unknown operation" in capsys.readouterr().err
    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out)["openapi"] == openapi.OPENAPI_VERSION
