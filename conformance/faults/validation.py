"""Server-side input validation from the botocore model, answered the way AWS words it.

The checking is :func:`strategies.validate`'s (wire mode: the parsed JSON body of an AWS
JSON 1.1 call, against the operation's input shape: type, required members, undeclared
members, enums, lengths, patterns, ranges, list/map sizes). This module only turns each of
its problems into one clause of an AWS-style message (``1 validation error detected: Value
'x' at 'outputConfig.targetDevice' failed to satisfy constraint: Member must satisfy enum
value set: [...]``): the value found at the problem's path, the path in AWS's spelling
(``tags.1.member.value``) and the constraint as AWS states it.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import SERVICE, service_model

__all__ = ["service_model", "validate_input", "validation_message"]


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        text = value if len(value) <= 100 else value[:100] + "..."
        return f"'{text}'"
    try:
        text = json.dumps(value, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 100 else text[:100] + "..."


def validation_message(clauses: list[str]) -> str:
    n = len(clauses)
    head = f"{n} validation error{'s' if n != 1 else ''} detected: "
    return head + "; ".join(clauses)


def validate_input(operation: str, body: Any, service: str = SERVICE) -> list[str]:
    """One AWS-style clause per constraint of ``operation``'s input shape that ``body``
    breaks (empty: valid), e.g. ``Value null at 'outputConfig' failed to satisfy
    constraint: Member must not be null``."""
    from strategies import validate

    shape = service_model(service).operation_model(operation).input_shape
    if shape is None:
        return []
    body = _drop_null_members(body)  # AWS JSON: a null member is an absent one
    return [_clause(problem, body, shape) for problem in validate(body, shape, wire=True)]


def _drop_null_members(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_null_members(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_null_members(v) for v in value]
    return value




def _clause(problem: Any, body: Any, root: Any) -> str:
    """A :class:`strategies.Problem` as AWS words it: the value found at its path, the path
    in AWS's spelling, and the constraint stated from the shape the path leads to."""
    value, shape, parent, where = body, root, None, ""
    key_of_map = problem.message.startswith("map key: ")
    for i, part in enumerate(problem.path):
        parent = shape
        kind = shape.type_name if shape is not None else None
        if kind == "structure":
            members = {m.serialization.get("name", n): m for n, m in shape.members.items()}
            shape = members.get(part)
            where = f"{where}.{part[:1].lower()}{part[1:]}" if where else f"{part[:1].lower()}{part[1:]}"
            value = value.get(part) if isinstance(value, dict) else None
        elif kind == "list":
            shape = shape.member
            where = f"{where or parent.name}.{part + 1}.member"
            value = value[part] if isinstance(value, list) and 0 <= part < len(value) else None
        elif kind == "map" and key_of_map and i == len(problem.path) - 1:
            shape, where, value = shape.key, f"{where or parent.name}.{part}.key", part
        elif kind == "map":
            shape = shape.value
            where = f"{where or parent.name}.{part}.value"
            value = value.get(part) if isinstance(value, dict) else None
        else:
            shape, value = None, None
    constraint = _constraint(problem, value, shape, parent)
    return f"Value {_show(value)} at '{where or root.name}' failed to satisfy constraint: {constraint}"


def _constraint(problem: Any, value: Any, shape: Any, parent: Any) -> str:
    kind = problem.kind
    meta = shape.metadata if shape is not None else {}
    if kind == "missing_required":
        return "Member must not be null"
    if kind == "unknown_member":
        return f"Member is not declared by {parent.name if parent is not None else 'the request'}"
    if kind == "wrong_type" and shape is not None and shape.type_name != "document":
        from strategies import type_text

        words = type_text(shape.type_name)
        if shape.type_name in ("structure", "list", "map"):
            words += f" ({shape.name})"
        elif shape.type_name == "timestamp":
            words += " (epoch seconds)"
        return f"Member must be {words}, not a {_json_type(value)}"
    if kind == "enum" and shape is not None:
        return f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
    if kind == "pattern" and "pattern" in meta:
        return f"Member must satisfy regular expression pattern: {meta['pattern']}"
    if kind == "list_size" and isinstance(value, (list, dict)):
        kind = "min_length" if len(value) < meta.get("min", 0) else "max_length"
    bound = {"min_length": ("length", "greater", "min"), "max_length": ("length", "less", "max"),
             "min_value": ("value", "greater", "min"), "max_value": ("value", "less", "max")}.get(kind)
    if bound is not None and bound[2] in meta:
        return f"Member must have {bound[0]} {bound[1]} than or equal to {meta[bound[2]]}"
    return problem.message  # no AWS wording known (e.g. a 32-bit range, a union): strategies'


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
