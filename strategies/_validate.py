"""A full-constraint validator of values against botocore shapes.

botocore's ``ParamValidator`` checks types, ``required`` and minimums. This one checks what
the model states: type, required, enum, string/blob length, pattern (fullmatch, translated
from the model's dialect), numeric range (declared, and the 32/64-bit range of
integer/long), list and map sizes, undeclared members and tagged unions. It collects every
problem with its path and kind and never changes its input.

Each shape is compiled once into a checking function (cached per service model, shape and
mode), so a value is checked by plain function calls instead of a walk over ``Shape``
objects; that is what makes it faster than botocore's while checking more.

Two modes: *python* (the kwargs of a boto3 call: datetimes, bytes; what botocore accepts
for timestamps and blobs is accepted) and *wire* (the JSON body of a response: members by
their wire name, timestamps as JSON numbers -- or strings where the member's
``timestampFormat`` says so --, blobs as base64 strings, members bound to headers or the
status code not expected in the body).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import decimal
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._nfa import safe_fullmatch
from ._patterns import PatternError, compile_pattern

__all__ = ["KINDS", "Problem", "validate"]

#: Every kind a :class:`Problem` can carry.
KINDS = frozenset(
    {
        "missing_required",
        "wrong_type",
        "enum",
        "min_length",
        "max_length",
        "pattern",
        "min_value",
        "max_value",
        "list_size",
        "unknown_member",
        "union",
    }
)

_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_NOT_IN_BODY = frozenset({"header", "headers", "statusCode", "uri", "querystring"})


@dataclass(frozen=True)
class Problem:
    """One broken constraint: where (a path of member names and list indexes), which kind
    (one of :data:`KINDS`), and a message for people."""

    path: tuple
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{format_path(self.path)}: {self.kind}: {self.message}"


def format_path(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


Check = Callable[[Any, tuple, list], None]


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


class _Compiler:
    """Checking functions for the shapes of one service in one mode."""

    def __init__(self, wire: bool, check_required: bool) -> None:
        self.wire = wire
        self.check_required = check_required
        self._cache: dict[tuple, Check] = {}

    def compile(self, shape: Any) -> Check:
        ser = shape.serialization
        key = (shape.name, shape.type_name, ser.get("timestampFormat"), ser.get("jsonvalue"), ser.get("hostLabel"))
        found = self._cache.get(key)
        if found is not None:
            return found
        cell: list[Check] = []

        def forward(value: Any, path: tuple, out: list) -> None:
            cell[0](value, path, out)

        self._cache[key] = forward
        method = getattr(self, f"_{shape.type_name}", None)
        if method is None:
            raise TypeError(f"no validator for shape type {shape.type_name!r} ({shape.name})")
        check = method(shape)
        cell.append(check)
        self._cache[key] = check
        return check

    # -- one method per shape type --------------------------------------------------------

    def _structure(self, shape: Any) -> Check:
        name = shape.name
        wire = self.wire
        checks: dict[str, Check] = {}
        wire_names: dict[str, str] = {}
        for member, mshape in shape.members.items():
            if wire and mshape.serialization.get("location") in _NOT_IN_BODY:
                continue
            key = mshape.serialization.get("name", member) if wire else member
            wire_names[member] = key
            checks[key] = self.compile(mshape)
        required = (
            tuple(wire_names[m] for m in shape.required_members if m in wire_names)
            if self.check_required
            else ()
        )
        union = shape.is_tagged_union
        declared = tuple(checks)

        def check(value: Any, path: tuple, out: list) -> None:
            if type(value) is not dict and not isinstance(value, dict):
                out.append(Problem(path, "wrong_type", f"expected a {name} object, got {_type_name(value)}"))
                return
            for r in required:
                if r not in value:
                    out.append(Problem(path + (r,), "missing_required", f"{name} requires {r}"))
            for k, v in value.items():
                c = checks.get(k)
                if c is None:
                    out.append(Problem(path + (k,), "unknown_member", f"{k!r} is not a member of {name} (members: {', '.join(declared)})"))
                else:
                    c(v, path + (k,), out)
            if union and len(value) != 1:
                out.append(Problem(path, "union", f"{name} is a union: set exactly one member, not {len(value)}"))

        return check

    def _list(self, shape: Any) -> Check:
        name = shape.name
        item = self.compile(shape.member)
        lo, hi = shape.metadata.get("min", 0), shape.metadata.get("max")
        types = list if self.wire else (list, tuple)

        def check(value: Any, path: tuple, out: list) -> None:
            if not isinstance(value, types):
                out.append(Problem(path, "wrong_type", f"expected a list ({name}), got {_type_name(value)}"))
                return
            n = len(value)
            if n < lo or (hi is not None and n > hi):
                out.append(Problem(path, "list_size", f"{n} members, {name} takes {lo}..{'' if hi is None else hi}"))
            for i, v in enumerate(value):
                item(v, path + (i,), out)

        return check

    def _map(self, shape: Any) -> Check:
        name = shape.name
        key_check = self.compile(shape.key)
        value_check = self.compile(shape.value)
        lo, hi = shape.metadata.get("min", 0), shape.metadata.get("max")

        def check(value: Any, path: tuple, out: list) -> None:
            if not isinstance(value, dict):
                out.append(Problem(path, "wrong_type", f"expected a map ({name}), got {_type_name(value)}"))
                return
            n = len(value)
            if n < lo or (hi is not None and n > hi):
                out.append(Problem(path, "list_size", f"{n} entries, {name} takes {lo}..{'' if hi is None else hi}"))
            for k, v in value.items():
                key_problems: list = []
                key_check(k, path + (k,), key_problems)
                out.extend(Problem(p.path, p.kind, f"map key: {p.message}") for p in key_problems)
                value_check(v, path + (k,), out)

        return check

    def _string(self, shape: Any) -> Check:
        name = shape.name
        if shape.serialization.get("jsonvalue") and not self.wire:
            return _json_value(name)
        enum = frozenset(shape.enum) if shape.enum else None
        lo, hi = shape.metadata.get("min", 0), shape.metadata.get("max")
        if "min" not in shape.metadata and shape.serialization.get("hostLabel"):
            lo = 1  # as botocore: a member bound to the host has an implicit min 1
        raw = shape.metadata.get("pattern")
        try:
            rx = compile_pattern(raw) if raw and enum is None else None
        except PatternError:
            rx = None  # listed by the pattern coverage test
        fullmatch = safe_fullmatch(rx) if rx is not None else None

        def check(value: Any, path: tuple, out: list) -> None:
            if type(value) is not str:
                if not isinstance(value, str):
                    out.append(Problem(path, "wrong_type", f"expected a string ({name}), got {_type_name(value)}"))
                    return
            if enum is not None:
                if value not in enum:
                    out.append(Problem(path, "enum", f"{value!r:.80} is not a {name} value ({len(enum)} values)"))
                return
            n = len(value)
            if n < lo:
                out.append(Problem(path, "min_length", f"length {n} < min {lo} of {name}"))
            elif hi is not None and n > hi:
                out.append(Problem(path, "max_length", f"length {n} > max {hi} of {name}"))
            if fullmatch is not None and not fullmatch(value):
                out.append(Problem(path, "pattern", f"{value!r:.80} does not match {name} pattern {raw!r:.120}"))

        return check

    def _integer(self, shape: Any) -> Check:
        name = shape.name
        tlo, thi = _INT_RANGE[shape.type_name]
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")

        def check(value: Any, path: tuple, out: list) -> None:
            if type(value) is not int:
                if isinstance(value, bool) or not isinstance(value, int):
                    out.append(Problem(path, "wrong_type", f"expected an integer ({name}), got {_type_name(value)}"))
                    return
            if lo is not None and value < lo:
                out.append(Problem(path, "min_value", f"{value} < min {lo} of {name}"))
            elif value < tlo:
                out.append(Problem(path, "min_value", f"{value} is below the {shape.type_name} range"))
            if hi is not None and value > hi:
                out.append(Problem(path, "max_value", f"{value} > max {hi} of {name}"))
            elif value > thi:
                out.append(Problem(path, "max_value", f"{value} is above the {shape.type_name} range"))

        return check

    _long = _integer

    def _double(self, shape: Any) -> Check:
        name = shape.name
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        types = (int, float) if self.wire else (int, float, decimal.Decimal)

        def check(value: Any, path: tuple, out: list) -> None:
            if isinstance(value, bool) or not isinstance(value, types):
                out.append(Problem(path, "wrong_type", f"expected a number ({name}), got {_type_name(value)}"))
                return
            if lo is not None and value < lo:
                out.append(Problem(path, "min_value", f"{value} < min {lo} of {name}"))
            if hi is not None and value > hi:
                out.append(Problem(path, "max_value", f"{value} > max {hi} of {name}"))

        return check

    _float = _double

    def _boolean(self, shape: Any) -> Check:
        name = shape.name

        def check(value: Any, path: tuple, out: list) -> None:
            if type(value) is not bool:
                out.append(Problem(path, "wrong_type", f"expected a boolean ({name}), got {_type_name(value)}"))

        return check

    def _timestamp(self, shape: Any) -> Check:
        name = shape.name
        fmt = shape.serialization.get("timestampFormat")
        if self.wire and fmt in (None, "unixTimestamp"):

            def check(value: Any, path: tuple, out: list) -> None:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    out.append(Problem(path, "wrong_type", f"expected epoch seconds as a JSON number ({name}), got {_type_name(value)} {value!r:.40}"))

            return check
        if self.wire:

            def check(value: Any, path: tuple, out: list) -> None:
                if not isinstance(value, str) or not _parses(value):
                    out.append(Problem(path, "wrong_type", f"expected a {fmt} timestamp string ({name}), got {_type_name(value)} {value!r:.40}"))

            return check

        def check(value: Any, path: tuple, out: list) -> None:
            if isinstance(value, _dt.datetime):
                return
            if isinstance(value, bool) or not isinstance(value, (int, float, str)) or not _parses(value):
                out.append(Problem(path, "wrong_type", f"expected a datetime ({name}), got {_type_name(value)} {value!r:.40}"))

        return check

    def _blob(self, shape: Any) -> Check:
        name = shape.name
        lo, hi = shape.metadata.get("min", 0), shape.metadata.get("max")
        wire = self.wire

        def check(value: Any, path: tuple, out: list) -> None:
            if wire:
                if not isinstance(value, str):
                    out.append(Problem(path, "wrong_type", f"expected base64 text ({name}), got {_type_name(value)}"))
                    return
                try:
                    n = len(base64.b64decode(value, validate=True))
                except (binascii.Error, ValueError):
                    out.append(Problem(path, "wrong_type", f"{value!r:.40} is not base64 ({name})"))
                    return
            elif isinstance(value, (bytes, bytearray)):
                n = len(value)
            elif isinstance(value, str):
                n = len(value.encode("utf-8"))
            elif hasattr(value, "read"):
                return
            else:
                out.append(Problem(path, "wrong_type", f"expected bytes ({name}), got {_type_name(value)}"))
                return
            if n < lo:
                out.append(Problem(path, "min_length", f"{n} bytes < min {lo} of {name}"))
            elif hi is not None and n > hi:
                out.append(Problem(path, "max_length", f"{n} bytes > max {hi} of {name}"))

        return check

    def _document(self, shape: Any) -> Check:
        name = shape.name

        def check(value: Any, path: tuple, out: list) -> None:
            bad = _non_json(value, path)
            if bad is not None:
                out.append(Problem(bad[0], "wrong_type", f"{bad[1]} is not a JSON value (document {name})"))

        return check


def _non_json(value: Any, path: tuple) -> tuple[tuple, str] | None:
    if value is None or isinstance(value, (str, bool, int, float)):
        return None
    if isinstance(value, list):
        for i, v in enumerate(value):
            bad = _non_json(v, path + (i,))
            if bad:
                return bad
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return path, f"key {k!r}"
            bad = _non_json(v, path + (k,))
            if bad:
                return bad
        return None
    return path, _type_name(value)


def _json_value(name: str) -> Check:
    def check(value: Any, path: tuple, out: list) -> None:
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            out.append(Problem(path, "wrong_type", f"{_type_name(value)} is not JSON-serialisable ({name})"))

    return check


def _parses(value: Any) -> bool:
    from botocore.utils import parse_timestamp

    try:
        parse_timestamp(value)
        return True
    except (TypeError, ValueError, OverflowError, AttributeError):
        return False


_compilers: weakref.WeakKeyDictionary[Any, dict[tuple[bool, bool], _Compiler]] = weakref.WeakKeyDictionary()


def _compiler(shape: Any, wire: bool, check_required: bool) -> _Compiler:
    resolver = getattr(shape, "_shape_resolver", None)
    if resolver is None:
        return _Compiler(wire, check_required)
    per_service = _compilers.get(resolver)
    if per_service is None:
        per_service = _compilers[resolver] = {}
    mode = (wire, check_required)
    compiler = per_service.get(mode)
    if compiler is None:
        compiler = per_service[mode] = _Compiler(wire, check_required)
    return compiler


def validate(value: Any, shape: Any, *, wire: bool = False, check_required: bool = True) -> list[Problem]:
    """Every constraint of ``shape`` that ``value`` breaks, as :class:`Problem` objects
    in the order met (depth first, members in the value's order).

    ``wire=True`` reads ``value`` as a decoded JSON body (see the module docstring);
    ``check_required=False`` leaves out ``missing_required`` (the caller can also filter
    on ``Problem.kind``: real AWS output breaks ``required`` and ``max_length``)."""
    out: list[Problem] = []
    _compiler(shape, wire, check_required).compile(shape)(value, (), out)
    return out
