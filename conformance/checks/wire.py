"""Checks on the raw JSON body of a successful response, against the operation's output shape.

They read the wire (``Exchange.raw_body``), not botocore's parse: botocore passes unknown
enum values through and would turn a number into a datetime whatever its encoding.
"""

from __future__ import annotations

from typing import Any

from .. import overlays
from ..exchange import Exchange
from .registry import CheckContext, Mismatch, on_success, register

#: Problem kinds real AWS output is known to break (DESIGN.md): never failures here.
#: max_length: a real FailureReason is 1,687 characters against a model maximum of 1,024.
_AWS_BREAKS = frozenset({"max_length"})
_UNDECLARED = "unknown_member"


def _path(problem: Any) -> tuple:
    return tuple(problem.path)


def _wire_json(exchange: Exchange) -> Any:
    try:
        return exchange.wire()
    except ValueError as exc:
        raise Mismatch(f"response body is not JSON ({exc}): {exchange.raw_body[:200]!r}") from None


def shape_problems(operation: str, body: Any, shape: Any) -> list[tuple[Any, str]]:
    """``(problem, message)`` for every way ``body`` breaks the output shape as AWS keeps it:
    ``problem`` is the validator's Problem, or for a rule of the status-dependent presence
    overlay the id of its clause (``Member:required``, ``Member:absent-while-<statuses>``)."""
    status = body.get("CompilationJobStatus") if isinstance(body, dict) else None
    rules = overlays.presence_rules(operation)
    found: list[tuple[Any, str]] = []
    import strategies

    for problem in strategies.validate(body, shape, wire=True):
        path = _path(problem)
        if problem.kind in _AWS_BREAKS or problem.kind == _UNDECLARED:
            continue
        if problem.kind == "missing_required" and len(path) == 1 and path[0] in rules:
            continue  # judged by the overlay's rule below
        found.append((problem, f"{'.'.join(map(str, path)) or '<body>'}: {problem.kind}: {problem.message}"))
    if isinstance(body, dict):
        for member, rule in rules.items():
            if status in rule.must_not and member in body:
                found.append((f"{member}:absent-while-{'-'.join(sorted(rule.must_not))}",
                              f"{member}: present on a {status} job ({rule.why}; basis {rule.basis})"))
            if status in rule.must and member not in body:
                found.append((f"{member}:required", f"{member}: missing on a {status} job ({rule.why})"))
    return found


@register("response-shape", basis="model", applies=on_success)
def response_shape(exchange: Exchange, ctx: CheckContext) -> None:
    """The wire body of a success satisfies the output shape: required members (less the
    status-dependent ones of the response overlay), member types, timestamps as JSON
    numbers, enum membership (TargetDevice incl. amba_cv25, CompilationJobStatus, platform
    Os/Arch/Accelerator, Framework), patterns, minimum lengths and numeric ranges. Maximum
    lengths are not checked: real AWS output exceeds them (observed-aws)."""
    body = _wire_json(exchange)
    from ..model import operation

    shape = operation(exchange.operation).output_shape
    if shape is None:
        if body not in ({}, None):
            raise Mismatch(f"operation has no output, but the body is {body!r:.200}")
        return
    problems = [message for _, message in shape_problems(exchange.operation, body, shape)]
    if problems:
        raise Mismatch(
            f"{len(problems)} member(s) break the output shape {shape.name}:\n    "
            + "\n    ".join(problems)
        )


@register("undeclared-members", basis="model", applies=on_success)
def undeclared_members(exchange: Exchange, ctx: CheckContext) -> None:
    """The wire body has no member the model does not declare. Reported on its own because
    AWS may add members before botocore knows them; an emulator inventing members is a
    finding, an AWS recording failing here means botocore is behind."""
    body = _wire_json(exchange)
    from ..model import operation

    shape = operation(exchange.operation).output_shape
    if shape is None:
        return
    import strategies

    extra = [
        f"{'.'.join(map(str, _path(p))) or '<body>'}: {p.message}"
        for p in strategies.validate(body, shape, wire=True)
        if p.kind == _UNDECLARED
    ]
    if extra:
        raise Mismatch("members the model does not declare:\n    " + "\n    ".join(extra))


def _nulls(value: Any, path: tuple = ()) -> list[str]:
    if value is None:
        return [".".join(map(str, path)) or "<body>"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, path + (k,))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, path + (i,))]
    return []


@register("no-null-members", basis="observed-aws", applies=on_success)
def no_null_members(exchange: Exchange, ctx: CheckContext) -> None:
    """AWS omits absent members; it never sends JSON ``null`` (observed in recorded
    SageMaker responses). A null breaks SDKs that test for presence."""
    body = _wire_json(exchange)
    nulls = _nulls(body)
    if nulls:
        raise Mismatch(f"JSON null at: {', '.join(nulls)}")
