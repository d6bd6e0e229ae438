"""Where AWS and the botocore model disagree, as data (see DESIGN.md, "evidence, not guesses").

Each entry carries its basis. Entries are checked against the model at import: an overlay
naming an unknown operation or member fails loudly with the valid names listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import service_model

#: Error codes every AWS JSON operation may answer, declared or not.
COMMON_ERRORS: frozenset[str] = frozenset(
    {
        "ValidationException",
        "ThrottlingException",
        "ThrottledException",
        "AccessDeniedException",
        "InternalFailure",
        "ServiceUnavailable",
        "UnrecognizedClientException",
        "IncompleteSignature",
        "InvalidAction",
        "InvalidClientTokenId",
        "InvalidParameterCombination",
        "InvalidParameterValue",
        "InvalidQueryParameter",
        "MalformedQueryString",
        "MissingAction",
        "MissingAuthenticationToken",
        "MissingParameter",
        "NotAuthorized",
        "OptInRequired",
        "RequestExpired",
        "RequestTimeout",
        "SerializationException",
        "ExpiredTokenException",
        "UnknownOperationException",
    }
)

#: A missing job: ResourceNotFound (declared) or ValidationException "Requested resource not
#: found." as SageMaker answers DescribeTrainingJob of a missing job (observed-aws, sibling API).
MISSING_RESOURCE_CODES: frozenset[str] = frozenset({"ResourceNotFound", "ValidationException"})


@dataclass(frozen=True)
class Presence:
    """Whether ``member`` of ``operation``'s output depends on the job's status.

    ``must``: statuses where it must be present; ``must_not``: where it must be absent; in
    every other status it may be either, whatever the model's ``required`` says.
    """

    operation: str
    member: str
    must: frozenset[str]
    must_not: frozenset[str]
    basis: str
    why: str


_S = frozenset

RESPONSE_PRESENCE: tuple[Presence, ...] = (
    Presence(
        "DescribeCompilationJob", "ModelArtifacts", _S({"COMPLETED"}), _S(), "observed-aws",
        "real FAILED, INPROGRESS and STOPPING jobs are described without ModelArtifacts",
    ),
    Presence(
        "DescribeCompilationJob", "FailureReason", _S({"FAILED"}), _S(), "observed-aws",
        "real INPROGRESS and STOPPING jobs are described without FailureReason",
    ),
    Presence(
        "DescribeCompilationJob", "CompilationEndTime", _S(), _S({"INPROGRESS", "STOPPING"}),
        "observed-aws", "CompilationEndTime is absent until the job ends",
    ),
    Presence(
        "DescribeCompilationJob", "InputConfig", _S(), _S(), "assumption",
        "a job created from ModelPackageVersionArn has no InputConfig of its own; "
        "AWS's answer for it is not public",
    ),
)

#: Request paths AWS keeps and Describe returns (round trip is not echo: StoppingCondition's
#: MaxWaitTimeInSeconds is described away, observed-aws).
ROUND_TRIP_PATHS: tuple[tuple[str, ...], ...] = (
    ("CompilationJobName",),
    ("RoleArn",),
    ("ModelPackageVersionArn",),
    ("InputConfig", "S3Uri"),
    ("InputConfig", "DataInputConfig"),
    ("InputConfig", "Framework"),
    ("InputConfig", "FrameworkVersion"),
    ("OutputConfig", "S3OutputLocation"),
    ("OutputConfig", "TargetDevice"),
    ("OutputConfig", "TargetPlatform"),
    ("OutputConfig", "CompilerOptions"),
    ("OutputConfig", "KmsKeyId"),
    ("VpcConfig", "SecurityGroupIds"),
    ("VpcConfig", "Subnets"),
    ("StoppingCondition", "MaxRuntimeInSeconds"),
)

#: What the Create request becomes in a ListCompilationJobs summary.
SUMMARY_PATHS: dict[tuple[str, ...], str] = {
    ("CompilationJobName",): "CompilationJobName",
    ("OutputConfig", "TargetDevice"): "CompilationTargetDevice",
    ("OutputConfig", "TargetPlatform", "Os"): "CompilationTargetPlatformOs",
    ("OutputConfig", "TargetPlatform", "Arch"): "CompilationTargetPlatformArch",
    ("OutputConfig", "TargetPlatform", "Accelerator"): "CompilationTargetPlatformAccelerator",
}


class OverlayError(ValueError):
    pass


def _check_path(shape, path: tuple[str, ...], where: str) -> None:
    for name in path:
        members = getattr(shape, "members", None)
        if members is None or name not in members:
            valid = ", ".join(sorted(members or ()))
            raise OverlayError(f"{where}: no member {name!r} in {shape.name}; valid: {valid}")
        shape = members[name]


def _validate() -> None:
    model = service_model()
    for p in RESPONSE_PRESENCE:
        if p.operation not in model.operation_names:
            raise OverlayError(f"RESPONSE_PRESENCE names unknown operation {p.operation!r}")
        _check_path(model.operation_model(p.operation).output_shape, (p.member,), "RESPONSE_PRESENCE")
    create = model.operation_model("CreateCompilationJob").input_shape
    describe = model.operation_model("DescribeCompilationJob").output_shape
    for path in ROUND_TRIP_PATHS:
        _check_path(create, path, "ROUND_TRIP_PATHS")
        _check_path(describe, path, "ROUND_TRIP_PATHS")
    summary = model.shape_for("CompilationJobSummary")
    for path, member in SUMMARY_PATHS.items():
        _check_path(create, path, "SUMMARY_PATHS")
        _check_path(summary, (member,), "SUMMARY_PATHS")


_validate()


def presence_rules(operation: str) -> dict[str, Presence]:
    return {p.member: p for p in RESPONSE_PRESENCE if p.operation == operation}
