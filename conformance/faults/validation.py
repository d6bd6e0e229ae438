"""Server-side input validation from the botocore model, answered the way AWS words it.

:func:`validate_input` walks a request body (the parsed JSON of an AWS JSON 1.1 call) against
an operation's input shape: type, required members, members the shape does not declare,
enums, string length (``min``/``max``), model patterns (whole-string match, translated from
the Java dialect), numeric ranges and list/map sizes. Each problem becomes one clause of an
AWS-style message (``1 validation error detected: Value 'x' at 'outputConfig.targetDevice'
failed to satisfy constraint: Member must satisfy enum value set: [...]``).
"""

from __future__ import annotations

import functools
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "service_model", "validate_input", "validation_message", "compile_pattern"]

SERVICE = "sagemaker"


@functools.lru_cache(maxsize=None)
def service_model(service: str = SERVICE) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


@dataclass(frozen=True)
class Problem:
    """One broken constraint: where (AWS-style dotted path), and the clause AWS would write."""

    path: str
    value: Any
    constraint: str

    def clause(self) -> str:
        return f"Value {_show(self.value)} at '{self.path}' failed to satisfy constraint: {self.constraint}"


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


def validation_message(problems: list[Problem]) -> str:
    n = len(problems)
    head = f"{n} validation error{'s' if n != 1 else ''} detected: "
    return head + "; ".join(p.clause() for p in problems)


def validate_input(operation: str, body: Any, service: str = SERVICE) -> list[Problem]:
    """Every constraint of ``operation``'s input shape that ``body`` breaks (empty: valid)."""
    shape = service_model(service).operation_model(operation).input_shape
    if shape is None:
        return []
    out: list[Problem] = []
    _walk(body, shape, "", out)
    return out


def _child(path: str, name: str) -> str:
    name = name[:1].lower() + name[1:]
    return f"{path}.{name}" if path else name


def _type_name(value: Any) -> str:
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


def _walk(value: Any, shape: Any, path: str, out: list[Problem]) -> None:
    t = shape.type_name
    meta = shape.metadata
    where = path or shape.name
    if t == "structure":
        if not isinstance(value, dict):
            out.append(Problem(where, value, f"Member must be a structure ({shape.name}), not a {_type_name(value)}"))
            return
        members = shape.members
        for name in shape.required_members:
            if value.get(name) is None:
                out.append(Problem(_child(path, name), None, "Member must not be null"))
        for name, item in value.items():
            if name not in members:
                out.append(Problem(_child(path, name), item, f"Member is not declared by {shape.name}"))
            elif item is not None:
                _walk(item, members[name], _child(path, name), out)
        return
    if t == "list":
        if not isinstance(value, list):
            out.append(Problem(where, value, f"Member must be a list ({shape.name}), not a {_type_name(value)}"))
            return
        _size(value, meta, where, out)
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{where}.{i + 1}.member", out)
        return
    if t == "map":
        if not isinstance(value, dict):
            out.append(Problem(where, value, f"Member must be a map ({shape.name}), not a {_type_name(value)}"))
            return
        _size(value, meta, where, out)
        for k, v in value.items():
            _walk(k, shape.key, f"{where}.{k}.key", out)
            _walk(v, shape.value, f"{where}.{k}.value", out)
        return
    if t == "string":
        if not isinstance(value, str):
            out.append(Problem(where, value, f"Member must be a string, not a {_type_name(value)}"))
            return
        enum = meta.get("enum")
        if enum and value not in enum:
            out.append(Problem(where, value, f"Member must satisfy enum value set: [{', '.join(enum)}]"))
            return
        n = len(value)
        if "min" in meta and n < meta["min"]:
            out.append(Problem(where, value, f"Member must have length greater than or equal to {meta['min']}"))
        if "max" in meta and n > meta["max"]:
            out.append(Problem(where, value, f"Member must have length less than or equal to {meta['max']}"))
        pattern = meta.get("pattern")
        if pattern is not None:
            rx = compile_pattern(pattern)
            if rx is not None and rx.fullmatch(value) is None:
                out.append(Problem(where, value, f"Member must satisfy regular expression pattern: {pattern}"))
        return
    if t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                out.append(Problem(where, value, f"Member must be an integer, not a {_type_name(value)}"))
                return
        _range(value, meta, where, out)
        return
    if t in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(Problem(where, value, f"Member must be a number, not a {_type_name(value)}"))
            return
        _range(value, meta, where, out)
        return
    if t == "boolean":
        if not isinstance(value, bool):
            out.append(Problem(where, value, f"Member must be a boolean, not a {_type_name(value)}"))
        return
    if t == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(Problem(where, value, f"Member must be a timestamp (epoch seconds), not a {_type_name(value)}"))
        return
    if t == "blob":
        if not isinstance(value, str):
            out.append(Problem(where, value, f"Member must be base64 text, not a {_type_name(value)}"))
        return


def _size(value: Any, meta: dict, where: str, out: list[Problem]) -> None:
    n = len(value)
    if "min" in meta and n < meta["min"]:
        out.append(Problem(where, value, f"Member must have length greater than or equal to {meta['min']}"))
    if "max" in meta and n > meta["max"]:
        out.append(Problem(where, value, f"Member must have length less than or equal to {meta['max']}"))


def _range(value: float, meta: dict, where: str, out: list[Problem]) -> None:
    if "min" in meta and value < meta["min"]:
        out.append(Problem(where, value, f"Member must have value greater than or equal to {meta['min']}"))
    if "max" in meta and value > meta["max"]:
        out.append(Problem(where, value, f"Member must have value less than or equal to {meta['max']}"))


# --- patterns ---------------------------------------------------------------------------

_ASCII = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n\\x0b\\f\\r"}


@functools.lru_cache(maxsize=None)
def _category_classes() -> dict[str, str]:
    """Character-class bodies (escaped ranges) per major Unicode general category
    (``L``, ``N``, ``Z``, ...), built in one pass over the code points."""
    ranges: dict[str, list[list[int]]] = {}
    category = unicodedata.category
    for cp in range(sys.maxunicode + 1):
        runs = ranges.setdefault(category(chr(cp))[0], [])
        if runs and runs[-1][1] == cp - 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return {
        letter: "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in runs)
        for letter, runs in ranges.items()
    }


def _category_class(letter: str) -> str:
    return _category_classes()[letter]


def _translate(pattern: str) -> str:
    """Java-flavoured model pattern -> Python ``re`` (\\p{X}, ASCII \\d \\w \\s)."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in "pP" and i + 2 < n:
                if pattern[i + 2] == "{":
                    end = pattern.index("}", i + 3)
                    name, i = pattern[i + 3 : end], end + 1
                else:
                    name, i = pattern[i + 2], i + 3
                name = name[2:] if name.startswith("Is") else name
                body = _category_class(name[0])
                if e == "P":
                    if in_class:
                        raise re.error("negated \\P inside a class")
                    out.append(f"[^{body}]")
                else:
                    out.append(body if in_class else f"[{body}]")
                continue
            if e in _ASCII:
                out.append(_ASCII[e] if in_class else f"[{_ASCII[e]}]")
                i += 2
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            if i + 1 < n and pattern[i + 1] == "^":
                out.append("^")
                i += 1
            if i + 1 < n and pattern[i + 1] == "]":
                out.append("\\]")
                i += 1
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=None)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The compiled translation of a model pattern (use ``fullmatch``), or None when it has
    no Python translation (the constraint is then not checked)."""
    try:
        return re.compile(_translate(pattern))
    except (re.error, ValueError):
        return None
