"""Clauses: every input constraint of an operation has a stable id, and the strategy draws
requests that break exactly that clause and are otherwise valid (cross-field rules
included); output clauses and clause_of name what a response broke."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import subprocess
import sys

import pytest
from botocore.validate import ParamValidator
from hypothesis import Phase, find, given, settings

import strategies
from strategies import _overlays as ov
from strategies._breaking import overlay_breaks
from strategies._shapes import MAX_DEPTH, builder_for

OPERATIONS = (
    "CreateCompilationJob",
    "ListCompilationJobs",
    "DescribeCompilationJob",
    "StopCompilationJob",
    "DeleteCompilationJob",
    "AddTags",
    "ListTags",
)
JOB_OPERATIONS = OPERATIONS[:5]
FEW = settings(max_examples=5, database=None, deadline=None)


def _sagemaker():
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


def _ids(operation: str) -> list[str]:
    return [c.id for c in strategies.clauses(_sagemaker().operation_model(operation))]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (
            "CreateCompilationJob",
            {
                "OutputConfig.TargetDevice:enum",
                "CompilationJobName:pattern",
                "CompilationJobName:max-length",
                "RoleArn:required",
                "StoppingCondition.MaxRuntimeInSeconds:min-value",
                "InputConfig.Framework:enum",
                "VpcConfig.Subnets:min-size",
                "VpcConfig.Subnets[]:pattern",
                "Tags[].Key:pattern",
                "Tags:max-size",
                "OutputConfig:exactly-one-missing",
                "OutputConfig:exactly-one-both",
                "<input>:exactly-one-missing",
                "<input>:exactly-one-both",
                "StoppingCondition.MaxRuntimeInSeconds:not-greater-than-MaxWaitTimeInSeconds",
                "OutputConfig.CompilerOptions:required-when-TargetPlatform.Accelerator=NVIDIA",
            },
        ),
        (
            "ListCompilationJobs",
            {"StatusEquals:enum", "SortBy:enum", "SortOrder:enum", "NameContains:pattern",
             "MaxResults:min-value", "MaxResults:max-value"},
        ),
    ],
)
def test_clause_ids_name_the_contract(operation, expected) -> None:
    ids = _ids(operation)
    assert expected <= set(ids)
    assert len(ids) == len(set(ids))


def test_clauses_are_frozen_listed_once_and_read_from_the_model(sagemaker) -> None:
    op = sagemaker.operation_model("CreateCompilationJob")
    listed = strategies.clauses(op)
    assert strategies.clauses(op) == listed
    by_id = {c.id: c for c in listed}
    enum = by_id["OutputConfig.TargetDevice:enum"]
    assert (enum.path, enum.kind, enum.source) == ("OutputConfig.TargetDevice", "enum", "model")
    assert enum.detail == f"one of {len(op.input_shape.members['OutputConfig'].members['TargetDevice'].enum)} TargetDevice values"
    assert by_id["CompilationJobName:pattern"].detail == "pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
    assert by_id["StoppingCondition.MaxRuntimeInSeconds:min-value"].detail == "min 1"
    group = by_id["<input>:exactly-one-missing"]
    assert (group.path, group.source) == ("", "overlay")
    with pytest.raises(dataclasses.FrozenInstanceError):
        enum.kind = "pattern"  # type: ignore[misc]
    # model order: a member's own clauses before those below it, overlays after the members
    ids = [c.id for c in listed]
    assert ids.index("OutputConfig:required") < ids.index("OutputConfig.TargetDevice:enum") \
        < ids.index("OutputConfig:exactly-one-missing") < ids.index("VpcConfig.SecurityGroupIds:required")


def test_every_required_member_enum_and_pattern_of_the_model_is_a_clause(sagemaker) -> None:
    """A walk of the model written independently of strategies/ finds the same required,
    enum and pattern clauses."""
    op = sagemaker.operation_model("CreateCompilationJob")
    expected = set()

    def walk(shape, path):
        if shape.type_name == "structure":
            for name, member in shape.members.items():
                child = f"{path}.{name}" if path else name
                if name in shape.required_members:
                    expected.add(f"{child}:required")
                walk(member, child)
        elif shape.type_name == "list":
            walk(shape.member, path + "[]")
        elif shape.type_name == "string":
            if shape.enum:
                expected.add(f"{path}:enum")
            elif shape.metadata.get("pattern"):
                expected.add(f"{path}:pattern")

    walk(op.input_shape, "")
    ids = {c.id for c in strategies.clauses(op) if c.kind in ("required", "enum", "pattern")}
    assert ids == expected


_PRINT_IDS = """
import json, botocore.session, strategies
model = botocore.session.get_session().get_service_model("sagemaker")
out = {}
for name in %r:
    op = model.operation_model(name)
    out[name] = [[c.id, c.detail, c.unsendable] for c in strategies.clauses(op)]
    out[name + "/output"] = [c.id for c in strategies.output_clauses(op)]
print(json.dumps(out))
"""


def test_ids_are_the_same_in_every_process() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        done = subprocess.run([sys.executable, "-c", _PRINT_IDS % (OPERATIONS,)], capture_output=True, text=True, cwd=root, env=env, check=True)
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    model = _sagemaker()
    here = {name: [[c.id, c.detail, c.unsendable] for c in strategies.clauses(model.operation_model(name))] for name in OPERATIONS}
    assert {k: v for k, v in runs[0].items() if "/" not in k} == here


def test_an_operation_without_input_has_no_clauses() -> None:
    from botocore.model import ServiceModel

    model = ServiceModel(
        {
            "metadata": {"protocol": "json", "apiVersion": "2024-01-01", "endpointPrefix": "ping",
                         "jsonVersion": "1.1", "targetPrefix": "Ping", "serviceId": "Ping", "signatureVersion": "v4"},
            "operations": {"Ping": {"name": "Ping", "http": {"method": "POST", "requestUri": "/"}}},
            "shapes": {},
        },
        service_name="ping",
    )
    op = model.operation_model("Ping")
    assert strategies.clauses(op) == () and strategies.output_clauses(op) == ()
    with pytest.raises(strategies.ClauseError, match="no input"):
        strategies.invalid_requests(op, clause="X:required").validate()


def test_recursive_shapes_are_bounded_like_the_builder(sagemaker) -> None:
    ids = [c.id for c in strategies.clauses(sagemaker.operation_model("Search"))]
    assert len(ids) == len(set(ids))
    nested = max(i.count("SubExpressions[]") for i in ids)
    assert 1 <= nested <= MAX_DEPTH


def test_members_bound_outside_the_body_are_clauses_too() -> None:
    import botocore.session

    s3 = botocore.session.get_session().get_service_model("s3")
    op = s3.operation_model("GetObject")
    by_id = {c.id: c for c in strategies.clauses(op)}
    assert {"Bucket:required", "Key:required", "Key:min-length", "PartNumber:max-value"} <= set(by_id)
    assert "URI" in strategies.clause_sendable(by_id["Bucket:required"])


# --- drawing one clause ----------------------------------------------------------------------


def _create_rules_broken(request: dict) -> set[str]:
    """The cross-field rules of CreateCompilationJob, written out by hand (an oracle
    independent of strategies/_invalid.py)."""
    broken = set()
    n = ("InputConfig" in request) + ("ModelPackageVersionArn" in request)
    if n != 1:
        broken.add("<input>:exactly-one-missing" if n == 0 else "<input>:exactly-one-both")
    out = request.get("OutputConfig", {})
    n = ("TargetDevice" in out) + ("TargetPlatform" in out)
    if "OutputConfig" in request and n != 1:
        broken.add("OutputConfig:exactly-one-missing" if n == 0 else "OutputConfig:exactly-one-both")
    if out.get("TargetPlatform", {}).get("Accelerator") == "NVIDIA" and "CompilerOptions" not in out:
        broken.add("OutputConfig.CompilerOptions:required-when-TargetPlatform.Accelerator=NVIDIA")
    stop = request.get("StoppingCondition", {})
    if {"MaxRuntimeInSeconds", "MaxWaitTimeInSeconds"} <= set(stop) and \
            stop["MaxRuntimeInSeconds"] > stop["MaxWaitTimeInSeconds"]:
        broken.add("StoppingCondition.MaxRuntimeInSeconds:not-greater-than-MaxWaitTimeInSeconds")
    keys = [t.get("Key") for t in request.get("Tags", []) if "Key" in t]
    if len(keys) != len(set(keys)):
        broken.add("Tags:unique-Key")
    return broken


def _clause_cases() -> list:
    model = _sagemaker()
    return [
        pytest.param(name, c.id, id=f"{name}/{c.id}")
        for name in OPERATIONS
        for c in strategies.clauses(model.operation_model(name))
    ]


def _present(request: dict, path: str) -> bool:
    """The member the clause is about (or, for ``required``, its parent) is in the request."""
    values = [request]
    for part in filter(None, path.replace("[]", ".[]").split(".")):
        nxt = []
        for v in values:
            if part == "[]":
                nxt.extend(v if isinstance(v, list) else [])
            elif isinstance(v, dict) and part in v:
                nxt.append(v[part])
        values = nxt
    return bool(values)


@pytest.mark.parametrize(("operation", "clause_id"), _clause_cases())
def test_every_clause_is_broken_alone(sagemaker, operation, clause_id) -> None:
    op = sagemaker.operation_model(operation)
    shape = op.input_shape
    clause = next(c for c in strategies.clauses(op) if c.id == clause_id)
    why = strategies.clause_sendable(clause)
    if why is not None:
        with pytest.raises(strategies.ClauseError, match="cannot be broken alone"):
            strategies.invalid_requests(op, clause=clause).validate()
        return
    table = ov.operation_table(op, None)
    shape_rules = builder_for(op.service_model).shape_rules

    @FEW
    @given(strategies.invalid_requests(op, clause=clause_id))
    def check(pair) -> None:
        request, violation = pair
        assert violation.clause == clause_id
        problems = strategies.validate(request, shape)
        botocore_refuses = ParamValidator().validate(request, shape).has_errors()
        if clause.source == "model":
            assert len(problems) == 1, problems
            assert strategies.clause_of(problems[0], shape, request) == clause_id
            assert (violation.path, violation.kind) == (problems[0].path, problems[0].kind)
            assert overlay_breaks(request, shape, table, shape_rules) == []
            parent = clause.path.rsplit(".", 1)[0] if clause.kind == "required" and "." in clause.path else (
                "" if clause.kind == "required" else clause.path)
            assert _present(request, parent)
        else:
            assert problems == []
            assert overlay_breaks(request, shape, table, shape_rules) == [(clause_id, violation.path)]
        assert violation.client_side == botocore_refuses
        if operation == "CreateCompilationJob":
            assert _create_rules_broken(request) == ({clause_id} if clause.source == "overlay" else set())

    check()


def test_clauses_that_cannot_be_broken_alone_say_why(sagemaker) -> None:
    op = sagemaker.operation_model("CreateCompilationJob")
    by_id = {c.id: c for c in strategies.clauses(op)}
    assert "pattern" in strategies.clause_sendable(by_id["CompilationJobName:min-length"])
    assert "31 characters" in strategies.clause_sendable(by_id["RoleArn:min-length"])
    assert strategies.clause_sendable(by_id["InputConfig.DataInputConfig:pattern"])
    assert strategies.clause_sendable(by_id["CompilationJobName:pattern"]) is None
    # every clause of the listing operation can be sent alone
    assert [c.id for c in strategies.clauses(sagemaker.operation_model("ListCompilationJobs")) if c.unsendable] == []


def test_bad_values_shrink_to_the_boundary(sagemaker) -> None:
    op = sagemaker.operation_model("CreateCompilationJob")
    quick = settings(database=None, max_examples=50, derandomize=True, phases=[Phase.generate, Phase.shrink])

    def minimal(clause_id):
        return find(strategies.invalid_requests(op, clause=clause_id), lambda pair: True, settings=quick)[0]

    assert minimal("StoppingCondition.MaxRuntimeInSeconds:min-value")["StoppingCondition"]["MaxRuntimeInSeconds"] == 0
    assert len(minimal("CompilationJobName:max-length")["CompilationJobName"]) == 64
    assert minimal("StoppingCondition.MaxPendingTimeInSeconds:max-value")["StoppingCondition"]["MaxPendingTimeInSeconds"] == 2419201
    assert minimal("VpcConfig.Subnets:max-size")["VpcConfig"]["Subnets"].__len__() == 17


def test_clause_strategies_read_like_their_call_and_refuse_nonsense(sagemaker) -> None:
    op = sagemaker.operation_model("CreateCompilationJob")
    assert repr(strategies.invalid_requests(op, clause="RoleArn:pattern")) == (
        "invalid_requests(OperationModel(name=CreateCompilationJob), clause='RoleArn:pattern')"
    )
    with pytest.raises(strategies.ClauseError, match="Did you mean RoleArn:pattern"):
        strategies.invalid_requests(op, clause="RoleArn:patern").validate()
    with pytest.raises(strategies.ClauseError, match="not both"):
        strategies.invalid_requests(op, kinds=("enum",), clause="RoleArn:pattern").validate()


def test_a_clause_of_a_user_overlay(sagemaker) -> None:
    """An overlay given by the caller makes its own clauses (and the built-in ones stay)."""
    op = sagemaker.operation_model("ListCompilationJobs")
    rule = {"": (ov.NotGreater("CreationTimeAfter", "CreationTimeBefore", why="a window"),)}

    @FEW
    @given(strategies.invalid_requests(op, clause="CreationTimeAfter:not-greater-than-CreationTimeBefore", overlays=rule))
    def check(pair) -> None:
        request, violation = pair
        assert request["CreationTimeAfter"] > request["CreationTimeBefore"]
        assert strategies.validate(request, op.input_shape) == []

    check()


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ({"": ov.Present("NoSuchMember")}, "NoSuchMember"),
        ({"NameContains": ov.NonEmpty()}, "not a list or map"),
    ],
)
def test_narrowing_rules_are_checked_against_the_model(sagemaker, overlay, message) -> None:
    with pytest.raises(strategies.OverlayError, match=message):
        strategies.requests(sagemaker.operation_model("ListCompilationJobs"), overlays=overlay).validate()


def test_present_may_not_contradict_an_exactly_one_group(sagemaker) -> None:
    op = sagemaker.operation_model("CreateCompilationJob")
    overlay = {"": (ov.ExactlyOne(("InputConfig", "ModelPackageVersionArn")), ov.Present("InputConfig"))}
    with pytest.raises(strategies.OverlayError, match="narrow the group"):
        strategies.requests(op, overlays=overlay).validate()


def test_present_and_non_empty_narrow_what_is_drawn(sagemaker) -> None:
    op = sagemaker.operation_model("CreateCompilationJob")
    overlay = {"": (ov.ExactlyOne(("InputConfig",)), ov.Present("Tags"), ov.Present("VpcConfig")), "Tags": ov.NonEmpty()}

    @FEW
    @given(strategies.requests(op, overlays=overlay))
    def check(request) -> None:
        assert "InputConfig" in request and request["Tags"] and "VpcConfig" in request
        assert strategies.validate(request, op.input_shape) == []

    check()


# --- output clauses and clause_of ---------------------------------------------------------------


def test_output_clauses_of_the_job_operations(sagemaker) -> None:
    ids = {name: [c.id for c in strategies.output_clauses(sagemaker.operation_model(name))] for name in JOB_OPERATIONS}
    assert {"CompilationJobStatus:enum", "CompilationJobArn:required", "CompilationJobArn:type",
            "CreationTime:type", "ModelArtifacts.S3ModelArtifacts:required"} <= set(ids["DescribeCompilationJob"])
    assert {"CompilationJobSummaries[].CompilationJobArn:required", "CompilationJobSummaries[]:type",
            "CompilationJobSummaries[].CompilationJobStatus:enum"} <= set(ids["ListCompilationJobs"])
    assert ids["CreateCompilationJob"] == ["CompilationJobArn:required", "CompilationJobArn:type", "CompilationJobArn:pattern"]
    assert ids["StopCompilationJob"] == [] and ids["DeleteCompilationJob"] == []
    every = [c for name in JOB_OPERATIONS for c in strategies.output_clauses(sagemaker.operation_model(name))]
    assert every and not [c.id for c in every if c.kind == "max-length"]
    assert {c.kind for c in every} <= {"required", "type", "enum", "pattern", "min-length", "min-value",
                                      "max-value", "min-size", "max-size"}
    for name in JOB_OPERATIONS:
        assert len(ids[name]) == len(set(ids[name]))


def _problem(path, kind, message="x"):
    return strategies.Problem(tuple(path), kind, message)


def test_clause_of_maps_problems_to_clauses(sagemaker) -> None:
    listing = sagemaker.operation_model("ListCompilationJobs").output_shape
    describe = sagemaker.operation_model("DescribeCompilationJob").output_shape
    create = sagemaker.operation_model("CreateCompilationJob").input_shape
    of = strategies.clause_of
    assert of(_problem(("CompilationJobSummaries", 3, "CompilationJobArn"), "missing_required"), listing) == \
        "CompilationJobSummaries[].CompilationJobArn:required"
    assert of(_problem(("CompilationJobSummaries", 0, "CompilationJobStatus"), "enum"), listing) == \
        "CompilationJobSummaries[].CompilationJobStatus:enum"
    assert of(_problem(("CompilationJobSummaries", 1), "wrong_type"), listing) == "CompilationJobSummaries[]:type"
    assert of(_problem(("CreationTime",), "wrong_type"), describe) == "CreationTime:type"
    assert of(_problem(("FailureReason",), "max_length"), describe) == "FailureReason:max-length"
    assert of(_problem(("StoppingCondition", "MaxRuntimeInSeconds"), "min_value"), describe) == \
        "StoppingCondition.MaxRuntimeInSeconds:min-value"
    assert of(_problem(("Surprise",), "unknown_member"), describe) is None
    assert of(_problem((), "union"), describe) is None
    assert of(_problem((), "wrong_type"), describe) is None
    # list_size: min-size or max-size by the value's length
    subnets = ("VpcConfig", "Subnets")
    assert of(_problem(subnets, "list_size"), create, {"VpcConfig": {"Subnets": []}}) == "VpcConfig.Subnets:min-size"
    assert of(_problem(subnets, "list_size"), create, {"VpcConfig": {"Subnets": ["subnet-1"] * 17}}) == \
        "VpcConfig.Subnets:max-size"
    with pytest.raises(strategies.ClauseError, match="pass the body"):
        of(_problem(subnets, "list_size"), create)
    assert of(_problem(("Tags",), "list_size"), create) == "Tags:max-size"  # no minimum: no body needed
    # a map's keys and values
    env = sagemaker.operation_model("CreateTrainingJob").input_shape
    assert of(_problem(("Environment", "1bad"), "pattern", "map key: '1bad' does not match"), env) == "Environment{key}:pattern"
    assert of(_problem(("Environment", "GOOD"), "max_length", "length 513 > max 512"), env) == "Environment{}:max-length"


def test_every_problem_of_a_broken_response_is_an_output_clause(sagemaker) -> None:
    op = sagemaker.operation_model("ListCompilationJobs")
    body = {
        "CompilationJobSummaries": [
            {"CompilationJobName": "job-1", "CreationTime": 1.7e9, "CompilationJobStatus": "DONE"},
            {"CompilationJobName": "-bad-", "CompilationJobArn": 7, "CreationTime": "yesterday",
             "CompilationJobStatus": "COMPLETED"},
        ],
        "NextToken": "\n",
    }
    problems = strategies.validate(body, op.output_shape, wire=True)
    ids = [strategies.clause_of(p, op.output_shape, body) for p in problems]
    assert set(ids) == {
        "CompilationJobSummaries[].CompilationJobArn:required",
        "CompilationJobSummaries[].CompilationJobStatus:enum",
        "CompilationJobSummaries[].CompilationJobName:pattern",
        "CompilationJobSummaries[].CompilationJobArn:type",
        "CompilationJobSummaries[].CreationTime:type",
        "NextToken:pattern",
    }
    assert set(ids) <= {c.id for c in strategies.output_clauses(op)}
