"""The compilation-job requests the conformance suite sends: realistic values and the
cross-field rules of the overlays, every enum value reachable, a readable repr."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, Phase, find, given, settings

import strategies

FAST = settings(max_examples=60, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def create(sagemaker):
    return sagemaker.operation_model("CreateCompilationJob")


def test_repr_reads_like_the_call(create) -> None:
    assert repr(strategies.requests(create)) == "requests(OperationModel(name=CreateCompilationJob))"
    assert repr(strategies.invalid_requests(create)) == "invalid_requests(OperationModel(name=CreateCompilationJob))"


def test_create_requests_are_realistic_and_keep_the_cross_field_rules(create) -> None:
    @FAST
    @given(strategies.requests(create))
    def check(request: dict) -> None:
        assert not ParamValidator().validate(request, create.input_shape).has_errors()
        assert strategies.validate(request, create.input_shape) == []
        assert ("InputConfig" in request) != ("ModelPackageVersionArn" in request)
        out = request["OutputConfig"]
        assert ("TargetDevice" in out) != ("TargetPlatform" in out)
        if out.get("TargetPlatform", {}).get("Accelerator") == "NVIDIA":
            assert "CompilerOptions" in out
        stop = request["StoppingCondition"]
        if "MaxRuntimeInSeconds" in stop and "MaxWaitTimeInSeconds" in stop:
            assert stop["MaxWaitTimeInSeconds"] >= stop["MaxRuntimeInSeconds"]
        assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]+", request["RoleArn"])
        assert re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]+[a-z0-9]/.*", out["S3OutputLocation"])
        if "InputConfig" in request:
            data = request["InputConfig"].get("DataInputConfig")
            if data is not None:
                parsed = json.loads(data)
                assert isinstance(parsed, dict) and all(isinstance(v, list) for v in parsed.values())
        vpc = request.get("VpcConfig")
        if vpc:
            assert all(re.fullmatch(r"sg-[0-9a-f]{8,17}", s) for s in vpc["SecurityGroupIds"])
            assert all(re.fullmatch(r"subnet-[0-9a-f]{8,17}", s) for s in vpc["Subnets"])
        keys = [t["Key"] for t in request.get("Tags", [])]
        assert len(keys) == len(set(keys))

    check()


FIND = settings(max_examples=2000, database=None, derandomize=True, phases=[Phase.generate])


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(lambda r: "ModelPackageVersionArn" in r, id="model-package-variant"),
        pytest.param(lambda r: "InputConfig" in r, id="input-config-variant"),
        pytest.param(lambda r: r["OutputConfig"].get("TargetDevice") == "amba_cv25", id="amba_cv25"),
        pytest.param(lambda r: r["OutputConfig"].get("TargetPlatform", {}).get("Accelerator") == "NVIDIA", id="nvidia"),
        pytest.param(lambda r: "VpcConfig" in r, id="vpc"),
        pytest.param(
            lambda r: len(r["StoppingCondition"]) >= 2 and "MaxWaitTimeInSeconds" in r["StoppingCondition"],
            id="max-wait",
        ),
    ],
)
def test_every_variant_is_drawable(create, condition) -> None:
    find(strategies.requests(create), condition, settings=FIND)


@pytest.mark.parametrize(
    "path", [("OutputConfig", "TargetDevice"), ("InputConfig", "Framework"),
             ("OutputConfig", "TargetPlatform", "Accelerator")]
)
def test_every_enum_value_is_drawable(create, path) -> None:
    """The enum members of the request draw the whole enum (amba_cv25 included)."""
    from strategies._shapes import builder_for

    shape = create.input_shape
    for part in path:
        shape = shape.members[part]
    values = set(shape.enum)
    seen: set[str] = set()

    @settings(max_examples=400, database=None, derandomize=True, phases=[Phase.generate])
    @given(builder_for(create.service_model).shape(shape))
    def collect(value: str) -> None:
        seen.add(value)

    collect()
    assert values - seen == set()


def test_timestamps_are_aware_utc_and_names_fit_the_model(sagemaker) -> None:
    op = sagemaker.operation_model("ListCompilationJobs")
    pattern = re.compile(r"[a-zA-Z0-9\-]+")

    @FAST
    @given(strategies.requests(op))
    def check(request: dict) -> None:
        for key in ("CreationTimeAfter", "CreationTimeBefore", "LastModifiedTimeAfter", "LastModifiedTimeBefore"):
            if key in request:
                assert isinstance(request[key], dt.datetime)
                assert request[key].utcoffset() == dt.timedelta(0)
        if "NameContains" in request:
            assert pattern.fullmatch(request["NameContains"])

    check()


def test_names_match_the_entity_name_pattern(sagemaker) -> None:
    op = sagemaker.operation_model("DescribeCompilationJob")

    @FAST
    @given(strategies.requests(op))
    def check(request: dict) -> None:
        assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", request["CompilationJobName"])

    check()


def test_overlays_replace_path_by_path(create) -> None:
    from hypothesis import strategies as st

    from strategies._overlays import Values

    pinned = {"RoleArn": Values(lambda: st.just("arn:aws:iam::123456789012:role/Pinned"))}

    @FAST
    @given(strategies.requests(create, overlays=pinned))
    def check(request: dict) -> None:
        assert request["RoleArn"] == "arn:aws:iam::123456789012:role/Pinned"
        assert ("InputConfig" in request) != ("ModelPackageVersionArn" in request)  # built-ins stay

    check()


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ({"OutputConfg": ()}, "OutputConfig"),
        ({"OutputConfig.TargetDevise": ()}, "TargetDevice"),
    ],
)
def test_overlays_naming_unknown_members_fail_with_the_valid_names(create, overlay, message) -> None:
    with pytest.raises(strategies.OverlayError, match=message):
        strategies.requests(create, overlays=overlay).validate()


def test_builtin_overlays_fit_the_models() -> None:
    import botocore.session

    from strategies import _overlays as ov

    session = botocore.session.get_session()
    for service, table in ov.SHAPES.items():
        ov.check_service(session.get_service_model(service), table)
    for service, operations in ov.OPERATIONS.items():
        model = session.get_service_model(service)
        for name, table in operations.items():
            ov.check_operation(model.operation_model(name), table)


def test_invalid_create_requests_cover_the_kinds_and_keep_their_label(create) -> None:
    seen: set[str] = set()

    @settings(max_examples=300, database=None, derandomize=True, deadline=None)
    @given(strategies.invalid_requests(create))
    def check(pair) -> None:
        request, violation = pair
        problems = strategies.validate(request, create.input_shape)
        assert [(p.path, p.kind) for p in problems] == [(violation.path, violation.kind)]
        assert violation.expected_status == 400 and "ValidationException" in violation.expected_codes
        seen.add(violation.kind)

    check()
    assert {"missing_required", "enum", "max_length", "min_value", "max_value", "pattern",
            "wrong_type", "unknown_member", "list_size"} <= seen


def test_invalid_requests_restricted_to_kinds(create) -> None:
    @settings(max_examples=40, database=None, derandomize=True, deadline=None)
    @given(strategies.invalid_requests(create, kinds=("enum",)))
    def check(pair) -> None:
        assert pair[1].kind == "enum"

    check()
    with pytest.raises(ValueError, match="unknown violation kinds"):
        strategies.invalid_requests(create, kinds=("nope",)).validate()


def test_strategies_are_lazy_and_cached(sagemaker, monkeypatch) -> None:
    """Asking for every operation's strategy builds none (a suite imports all of them); the
    first use builds that one only, and its build is cached."""
    from strategies import _api

    built: list[str] = []
    real = _api._request_strategy

    def counting(operation_model, overlays):
        built.append(operation_model.name)
        return real(operation_model, overlays)

    monkeypatch.setattr(_api, "_request_strategy", counting)
    lazy = {n: strategies.requests(sagemaker.operation_model(n)) for n in sagemaker.operation_names}
    assert built == []
    lazy["CreateCompilationJob"].wrapped_strategy
    assert built == ["CreateCompilationJob"]
    op = sagemaker.operation_model("CreateCompilationJob")
    assert real(op, None) is real(op, None)
