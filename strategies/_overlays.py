"""Declarative overlays: where the model is looser than a real server.

An overlay is data. Two tables:

* :data:`SHAPES` -- per service, per shape name: every value of that shape anywhere in the
  service is drawn from a realistic strategy (:class:`Values`), or a list of that shape is
  drawn with unique members (:class:`UniqueBy`).
* :data:`OPERATIONS` -- per service, per operation, per member path of the input (``""``
  is the input structure itself, ``"OutputConfig.TargetPlatform"`` a nested structure,
  ``"Tags[]"`` a list's members, ``"Env{}"`` a map's values): cross-field rules of a
  structure (:class:`ExactlyOne`, :class:`NotGreater`, :class:`RequiredWhen`) or
  :class:`Values` for one member. :class:`Present` (a member always drawn) and
  :class:`NonEmpty` (a list or map with an entry) narrow what is drawn; the invalid
  requests of one clause use them to make the clause's member present.

The generator reads these; it has no ``if`` for any operation. :func:`check_service`
and :func:`check_operation` verify an overlay against the model (unknown shapes, paths
and members fail with the valid names listed); they run when an overlay is first used
and in the test suite for every built-in entry.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "ExactlyOne",
    "NonEmpty",
    "NotGreater",
    "OverlayError",
    "Present",
    "RequiredWhen",
    "UniqueBy",
    "Values",
]


class OverlayError(ValueError):
    """An overlay that does not fit the model it is applied to."""


@dataclass(frozen=True)
class Values:
    """Draw the value from ``strategy()`` (a factory, so nothing is built before use).
    The values must satisfy the model; the test suite checks they do."""

    strategy: Callable[[], st.SearchStrategy[Any]]
    why: str = ""


@dataclass(frozen=True)
class ExactlyOne:
    """Exactly one of ``members`` is present; ``weights`` bias which (shrinks to the first).
    A weight of 0 leaves that member out: ``weights=(1, 0)`` narrows the group to its first
    member (the invalid requests of a clause below it use that)."""

    members: tuple[str, ...]
    weights: tuple[int, ...] | None = None
    why: str = ""


@dataclass(frozen=True)
class NotGreater:
    """If both are present, ``lesser`` <= ``greater`` (numbers of the same constraints)."""

    lesser: str
    greater: str
    why: str = ""


@dataclass(frozen=True)
class RequiredWhen:
    """``member`` must be present when the value at ``when`` (a dotted path relative to
    the structure) is one of ``equals``."""

    member: str
    when: str
    equals: tuple[Any, ...]
    why: str = ""


@dataclass(frozen=True)
class UniqueBy:
    """Members of the list differ in ``key`` (a member of the list's structure member)."""

    key: str
    why: str = ""


@dataclass(frozen=True)
class Present:
    """``member`` of the structure is always drawn, optional or not. A narrowing, not a rule
    of the server: the invalid requests of a clause below an optional member use it to make
    the member (and so the clause) present."""

    member: str
    why: str = ""


@dataclass(frozen=True)
class NonEmpty:
    """The list or map at this path has at least one entry (a narrowing, as :class:`Present`)."""

    why: str = ""


Rule = Values | ExactlyOne | NotGreater | RequiredWhen | UniqueBy | Present | NonEmpty

# --- realistic value strategies ---------------------------------------------------------

_ACCOUNT = "123456789012"
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1")


def _regex(pattern: str) -> st.SearchStrategy[str]:
    import re

    from ._regexgen import pattern_text

    return pattern_text(re.compile(pattern))


def _names(lo: int = 3, hi: int = 20) -> st.SearchStrategy[str]:
    return _regex(rf"[a-z0-9][a-z0-9-]{{{lo - 2},{hi - 2}}}[a-z0-9]")


def s3_uris() -> st.SearchStrategy[str]:
    """``s3://bucket/key`` with a DNS-style bucket name and a short key path."""
    return st.builds(
        lambda bucket, key: f"s3://{bucket}/" + "/".join(filter(None, key.split("/"))) + ("/" if key.endswith("/") else ""),
        _regex(r"[a-z0-9]{3,24}"),
        _regex(r"[A-Za-z0-9_./-]{0,40}"),
    )


def role_arns() -> st.SearchStrategy[str]:
    """``arn:aws:iam::123456789012:role/[path/]Name``."""
    return st.builds(
        lambda p, n: f"arn:aws:iam::{_ACCOUNT}:role/{p}{n}",
        st.sampled_from(["", "service-role/", "neo/"]),
        _regex(r"[A-Za-z0-9+=,.@_-]{1,40}"),
    )


def kms_key_ids() -> st.SearchStrategy[str]:
    """A key id, key ARN, alias name or alias ARN."""
    return st.builds(
        lambda form, region, uuid, alias: form.format(r=region, a=_ACCOUNT, u=uuid, n=alias),
        st.sampled_from(["{u}", "arn:aws:kms:{r}:{a}:key/{u}", "alias/{n}", "arn:aws:kms:{r}:{a}:alias/{n}"]),
        st.sampled_from(_REGIONS),
        st.uuids().map(str),
        _regex(r"[a-z0-9][a-z0-9-]{1,20}"),
    )


def entity_names() -> st.SearchStrategy[str]:
    """SageMaker resource names: the model's ``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``, drawn as
    the equivalent single-run form (one text draw instead of a list of groups)."""
    return _regex(r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,30}[a-zA-Z0-9])?")


def security_group_ids() -> st.SearchStrategy[str]:
    return _regex(r"sg-[0-9a-f]{8}([0-9a-f]{9})?")


def subnet_ids() -> st.SearchStrategy[str]:
    return _regex(r"subnet-[0-9a-f]{8}([0-9a-f]{9})?")


def data_input_configs() -> st.SearchStrategy[str]:
    """Input shapes as a JSON string: ``{"data":[1,3,224,224]}``, sometimes several inputs."""
    dims = st.lists(st.integers(1, 512), min_size=1, max_size=4)
    names = st.sampled_from(["data", "input0", "input_1", "x", "image"])
    one = st.builds(lambda n, d: {n: d}, names, dims)
    several = st.dictionaries(_regex(r"[a-z][a-z0-9_]{0,11}"), dims, min_size=2, max_size=3)
    return st.one_of(one, several).map(lambda d: json.dumps(d, separators=(",", ":")))


def compiler_options() -> st.SearchStrategy[str]:
    """Framework/target compiler options as AWS documents them (JSON strings)."""
    return st.sampled_from(
        [
            '{"gpu-code": "sm_72", "trt-ver": "7.1.3", "cuda-ver": "10.2"}',
            '{"gpu-code": "sm_53", "trt-ver": "5.0.6", "cuda-ver": "10.0"}',
            '{"mattr": ["+neon"]}',
            '{"dtype": "float32"}',
            '{"class_labels": "imagenet_labels_1000.txt"}',
        ]
    )


def bucket_names() -> st.SearchStrategy[str]:
    return _names(3, 40)


# --- the tables -------------------------------------------------------------------------

SHAPES: dict[str, dict[str, Rule]] = {
    "sagemaker": {
        "S3Uri": Values(s3_uris, "servers resolve the bucket: s3://bucket/key"),
        "RoleArn": Values(role_arns, "an IAM role ARN of the form the service assumes"),
        "KmsKeyId": Values(kms_key_ids, "KMS key id, key ARN, alias or alias ARN"),
        "NeoVpcSecurityGroupId": Values(security_group_ids, "sg-<8 or 17 hex>"),
        "NeoVpcSubnetId": Values(subnet_ids, "subnet-<8 or 17 hex>"),
        "SecurityGroupId": Values(security_group_ids, "sg-<8 or 17 hex>"),
        "SubnetId": Values(subnet_ids, "subnet-<8 or 17 hex>"),
        "DataInputConfig": Values(data_input_configs, "Neo parses it as a JSON object of shapes"),
        "EntityName": Values(entity_names, "the model pattern, in a form drawn in one run"),
        "TagList": UniqueBy("Key", "tag keys are unique per resource"),
    },
    "s3": {
        "BucketName": Values(bucket_names, "botocore and S3 refuse non-DNS bucket names"),
    },
    "dynamodb": {},
}

OPERATIONS: dict[str, dict[str, dict[str, tuple[Rule, ...]]]] = {
    "sagemaker": {
        "CreateCompilationJob": {
            "": (
                ExactlyOne(
                    ("InputConfig", "ModelPackageVersionArn"),
                    weights=(4, 1),
                    why="a job compiles either an S3 model or a model package version",
                ),
            ),
            "OutputConfig": (
                ExactlyOne(
                    ("TargetDevice", "TargetPlatform"),
                    why="OutputConfig takes a target device or a target platform, not both",
                ),
                RequiredWhen(
                    "CompilerOptions",
                    when="TargetPlatform.Accelerator",
                    equals=("NVIDIA",),
                    why="NVIDIA platforms need gpu-code, trt-ver and cuda-ver",
                ),
            ),
            "OutputConfig.CompilerOptions": (Values(compiler_options, "JSON compiler options"),),
            "StoppingCondition": (
                NotGreater(
                    "MaxRuntimeInSeconds",
                    "MaxWaitTimeInSeconds",
                    why="MaxWaitTimeInSeconds must be >= MaxRuntimeInSeconds",
                ),
            ),
        },
    },
}


# --- checks -----------------------------------------------------------------------------


def _unknown(kind: str, name: str, valid: Any) -> OverlayError:
    valid = sorted(valid)
    close = difflib.get_close_matches(name, valid, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    shown = ", ".join(valid[:40]) + (" ..." if len(valid) > 40 else "")
    return OverlayError(f"unknown {kind} {name!r}.{hint} Valid: {shown}")


def resolve_path(shape: Any, path: str) -> Any:
    """The shape at a dotted overlay path (``a.b[]``, ``m{}``) below ``shape``."""
    for part in filter(None, path.split(".")):
        name, suffix = part.rstrip("[]{}"), part[len(part.rstrip("[]{}")) :]
        if name:
            if shape.type_name != "structure":
                raise OverlayError(f"{name!r} in {path!r}: {shape.name} is a {shape.type_name}")
            if name not in shape.members:
                raise _unknown(f"member of {shape.name}", name, shape.members)
            shape = shape.members[name]
        for marker in re_findall(suffix):
            want = "list" if marker == "[]" else "map"
            if shape.type_name != want:
                raise OverlayError(f"{part!r} in {path!r}: {shape.name} is not a {want}")
            shape = shape.member if want == "list" else shape.value
    return shape


def re_findall(suffix: str) -> list[str]:
    return [suffix[i : i + 2] for i in range(0, len(suffix), 2)]


def _check_rule(rule: Rule, shape: Any, where: str) -> None:
    def member(name: str) -> Any:
        if shape.type_name != "structure":
            raise OverlayError(f"{type(rule).__name__} at {where}: {shape.name} is not a structure")
        if name not in shape.members:
            raise _unknown(f"member of {shape.name} (at {where})", name, shape.members)
        return shape.members[name]

    if isinstance(rule, ExactlyOne):
        for m in rule.members:
            member(m)
        if rule.weights is not None and (
            len(rule.weights) != len(rule.members) or min(rule.weights) < 0 or not any(rule.weights)
        ):
            raise OverlayError(f"ExactlyOne at {where}: one weight >= 0 per member, not all 0")
    elif isinstance(rule, NotGreater):
        a, b = member(rule.lesser), member(rule.greater)
        keys = ("min", "max")
        if a.type_name != b.type_name or any(a.metadata.get(k) != b.metadata.get(k) for k in keys):
            raise OverlayError(
                f"NotGreater at {where}: {rule.lesser} and {rule.greater} have different ranges"
            )
    elif isinstance(rule, RequiredWhen):
        member(rule.member)
        resolve_path(shape, rule.when)
    elif isinstance(rule, Present):
        member(rule.member)
    elif isinstance(rule, NonEmpty):
        if shape.type_name not in ("list", "map") or shape.metadata.get("max") == 0:
            raise OverlayError(f"NonEmpty at {where}: {shape.name} is not a list or map that can hold an entry")
    elif isinstance(rule, UniqueBy):
        if shape.type_name != "list" or shape.member.type_name != "structure":
            raise OverlayError(f"UniqueBy at {where}: {shape.name} is not a list of structures")
        if rule.key not in shape.member.members:
            raise _unknown(f"member of {shape.member.name}", rule.key, shape.member.members)
    elif not isinstance(rule, Values):
        raise OverlayError(f"{rule!r} at {where} is not an overlay rule")


def _check_presence(rules: tuple[Rule, ...], where: str) -> None:
    """A member made :class:`Present` cannot also be one of several in an ExactlyOne group
    (the group would then have two members): narrow the group to it instead."""
    present = {r.member for r in rules if isinstance(r, Present)}
    for rule in rules:
        if isinstance(rule, ExactlyOne) and len(rule.members) > 1 and present & set(rule.members):
            both = ", ".join(sorted(present & set(rule.members)))
            raise OverlayError(
                f"Present({both}) at {where} is in ExactlyOne{rule.members}: narrow the group to it instead"
            )


def check_service(service_model: Any, table: Mapping[str, Rule] | None = None) -> None:
    """Every shape named in the service's :data:`SHAPES` entry exists and fits its rule."""
    table = SHAPES.get(service_model.service_name, {}) if table is None else table
    names = set(service_model.shape_names)
    for name, rule in table.items():
        if name not in names:
            raise _unknown(f"shape of {service_model.service_name}", name, names)
        _check_rule(rule, service_model.shape_for(name), name)


def check_operation(operation_model: Any, table: Mapping[str, Any]) -> dict[str, tuple[Rule, ...]]:
    """Normalise an operation overlay (``path -> rule | rules``) and check it."""
    shape = operation_model.input_shape
    if shape is None and table:
        raise OverlayError(f"{operation_model.name} has no input to overlay")
    out: dict[str, tuple[Rule, ...]] = {}
    for path, rules in table.items():
        rules = (rules,) if not isinstance(rules, (tuple, list)) else tuple(rules)
        target = resolve_path(shape, path)
        where = f"{operation_model.name}:{path or '<input>'}"
        for rule in rules:
            _check_rule(rule, target, where)
        _check_presence(rules, where)
        out[path] = rules
    return out


def operation_table(operation_model: Any, extra: Mapping[str, Any] | None) -> dict[str, tuple[Rule, ...]]:
    """Built-in rules of the operation, with ``extra`` replacing them path by path."""
    service = operation_model.service_model.service_name
    table = dict(OPERATIONS.get(service, {}).get(operation_model.name, {}))
    if extra:
        table.update(extra)
    return check_operation(operation_model, table)
