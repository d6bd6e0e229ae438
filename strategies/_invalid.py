"""Invalid requests: a valid draw with exactly one constraint broken, and its label.

A valid request is drawn first; every place in it where a constraint can be broken is
listed as a *site* ``(path, kind)``; a kind is drawn among those present, then a site of
that kind, then the bad value. The result is checked with :func:`validate`: it must
report exactly that path and kind, nothing else (a site whose mutation would break a
second constraint is skipped). The label is computed from the drawn request, so it stays
true while Hypothesis shrinks; kinds shrink towards ``missing_required``, sites towards
the first one met, bad values towards the simplest.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import reject, strategies as st

from ._api import Violation
from ._shapes import builder_for
from ._validate import format_path, validate

__all__ = ["KINDS", "invalid_strategy"]

#: Violation kinds, in the order draws shrink towards.
KINDS = (
    "missing_required",
    "enum",
    "max_length",
    "min_length",
    "pattern",
    "min_value",
    "max_value",
    "list_size",
    "wrong_type",
    "unknown_member",
)

#: Codes a server may answer for a body it cannot even deserialise.
_SERIALIZATION = ("ValidationException", "SerializationException")


def _sites(value: Any, shape: Any, path: tuple) -> Iterator[tuple[tuple, str, Any]]:
    """``(path, kind, shape)`` for every breakable constraint of ``value``."""
    t = shape.type_name
    meta = shape.metadata
    if path:
        yield path, "wrong_type", shape
    if t == "structure":
        if not isinstance(value, dict):
            return
        yield path + ("UnknownMember",), "unknown_member", shape
        for name in shape.required_members:
            if name in value:
                yield path + (name,), "missing_required", shape
        members = shape.members
        for name, v in value.items():
            if name in members:
                yield from _sites(v, members[name], path + (name,))
    elif t == "list":
        if meta.get("min", 0) > 0 or meta.get("max") is not None:
            yield path, "list_size", shape
        for i, v in enumerate(value[:2]):
            yield from _sites(v, shape.member, path + (i,))
    elif t == "map":
        if meta.get("min", 0) > 0:
            yield path, "list_size", shape
        for k in list(value)[:2]:
            yield from _sites(value[k], shape.value, path + (k,))
    elif t == "string":
        if shape.enum:
            yield path, "enum", shape
            return
        if meta.get("min", 0) > 0:
            yield path, "min_length", shape
        if meta.get("max") is not None:
            yield path, "max_length", shape
        if meta.get("pattern"):
            yield path, "pattern", shape
    elif t == "blob":
        if meta.get("min", 0) > 0:
            yield path, "min_length", shape
        if meta.get("max") is not None:
            yield path, "max_length", shape
    elif t in ("integer", "long", "float", "double"):
        if meta.get("min") is not None:
            yield path, "min_value", shape
        if meta.get("max") is not None:
            yield path, "max_value", shape


def _get(value: Any, path: tuple) -> Any:
    for p in path:
        value = value[p]
    return value


def _bad_strings(value: str, lo: int, hi: int | None) -> list[str]:
    """Near misses of a patterned string, keeping its length in bounds."""
    out = []
    for bad in ("!", " ", "~", "\u00e9", "/", "_", "-", "#", ".", "A", "0", "a", ":"):
        out += [value + bad, bad + value, value[:-1] + bad if value else bad, bad * max(lo, 1)]
    out.append("")
    return [s for s in dict.fromkeys(out) if len(s) >= lo and (hi is None or len(s) <= hi)]


def _wrong_type(value: Any, shape: Any) -> Any:
    t = shape.type_name
    if t == "string":
        return 12345
    if t in ("integer", "long"):
        return str(value)
    if t in ("float", "double"):
        return str(value)
    if t == "boolean":
        return "true" if value else "false"
    if t == "timestamp":
        return "not-a-timestamp"
    if t == "blob":
        return 12345
    if t == "list":
        return "not-a-list"
    if t == "map":
        return ["not", "a", "map"]
    if t == "structure":
        return "not-a-structure"
    return None


def _mutate(draw: Any, builder: Any, request: dict, path: tuple, kind: str, shape: Any) -> tuple[dict, tuple, str] | None:
    """The request with the site broken, the path broken and a detail line; None if the
    site cannot be broken alone."""
    out = copy.deepcopy(request)
    parent = _get(out, path[:-1]) if path else None
    key = path[-1] if path else None
    meta = shape.metadata
    if kind == "missing_required":
        del parent[key]
        return out, path, f"required member {key} of {shape.name} removed"
    if kind == "unknown_member":
        name = draw(st.sampled_from(["UnknownMember", "ExtraField", "x"]))
        if name in shape.members:
            return None
        parent[name] = draw(st.sampled_from(["value", 1, True]))
        return out, path[:-1] + (name,), f"{name!r} is not a member of {shape.name}"
    value = parent[key]
    if kind == "wrong_type":
        bad = _wrong_type(value, shape)
        if bad is None:
            return None
        detail = f"{type(bad).__name__} instead of {shape.type_name} ({shape.name})"
    elif kind == "enum":
        enum = set(shape.enum)
        candidates = [v for v in (value.swapcase(), value + "x", value[:-1], "INVALID_VALUE") if v and v not in enum]
        bad = draw(st.sampled_from(candidates))
        detail = f"{bad!r} is not one of the {len(enum)} {shape.name} values"
    elif kind == "min_length":
        lo = meta["min"]
        bad = value[: lo - 1]
        detail = f"length {len(bad)} below min {lo} of {shape.name}"
    elif kind == "max_length":
        hi = meta["max"]
        bad = None
        for fill in ([value[-1:]] if value else []) + (["a", "0", "-", " ", "x"] if isinstance(value, str) else [b"\0"]):
            if not fill:
                continue
            candidate = value + fill * (hi + 1 - len(value))
            if [p.kind for p in validate(candidate, shape)] == ["max_length"]:
                bad = candidate
                break
        if bad is None:
            return None
        detail = f"length {len(bad)} above max {hi} of {shape.name}"
    elif kind == "pattern":
        candidates = [s for s in _bad_strings(value, meta.get("min", 0), meta.get("max")) if {p.kind for p in validate(s, shape)} == {"pattern"}]
        if not candidates:
            return None
        bad = draw(st.sampled_from(candidates))
        detail = f"{bad!r:.60} does not match the {shape.name} pattern"
    elif kind in ("min_value", "max_value"):
        step = draw(st.sampled_from([1, 2, 1000]))
        if kind == "min_value":
            bad = meta["min"] - step
            detail = f"{bad} below min {meta['min']} of {shape.name}"
        else:
            bad = meta["max"] + step
            detail = f"above max: {bad} > {meta['max']} of {shape.name}"
        if shape.type_name in ("float", "double"):
            bad = float(bad)
    elif kind == "list_size":
        lo, hi = meta.get("min", 0), meta.get("max")
        if lo > 0 and (hi is None or draw(st.booleans())):
            if isinstance(value, dict):
                bad = dict(list(value.items())[: lo - 1])
            else:
                bad = value[: lo - 1]
            detail = f"{len(bad)} members, below min {lo} of {shape.name}"
        elif hi is not None and isinstance(value, list):
            item = value[0] if value else draw(_member(builder, shape))
            bad = value + [copy.deepcopy(item) for _ in range(hi + 1 - len(value))]
            detail = f"above max: {len(bad)} members > {hi} of {shape.name}"
        else:
            return None
    else:  # pragma: no cover
        return None
    parent[key] = bad
    return out, path, detail


def _member(builder: Any, shape: Any) -> st.SearchStrategy[Any]:
    strategy = builder.shape(shape.member)
    return st.nothing() if strategy is None else strategy


#: What botocore's ParamValidator checks: (kind, shape type) -> also when above a maximum.
_BOTOCORE = {"missing_required", "wrong_type", "unknown_member", "min_value"}


def _expected(kind: str, shape: Any, detail: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if kind in ("wrong_type", "unknown_member"):
        out["expected_codes"] = _SERIALIZATION
    out["client_side"] = (
        kind in _BOTOCORE
        or (kind == "min_length" and shape.type_name == "string")
        or (kind == "list_size" and shape.type_name == "list" and "below min" in detail)
    )
    return out


def invalid_strategy(operation_model: Any, valid: st.SearchStrategy[dict], kinds: tuple[str, ...] | None) -> st.SearchStrategy[tuple[dict, Violation]]:
    shape = operation_model.input_shape
    if shape is None:
        raise ValueError(f"{operation_model.name} takes no input: nothing to make invalid")
    wanted = KINDS if kinds is None else tuple(k for k in KINDS if k in kinds)
    unknown = set(kinds or ()) - set(KINDS)
    if unknown or not wanted:
        raise ValueError(f"unknown violation kinds {sorted(unknown)}; valid: {', '.join(KINDS)}")
    builder = builder_for(operation_model.service_model)

    @st.composite
    def draw_invalid(draw: Any) -> tuple[dict, Violation]:
        # the kind is drawn before the request: drawn after it, Hypothesis' mutator (which
        # splices choice sequences) lands on the first kind about half of the time
        pick = draw(st.integers(0, 2**16 - 1))
        request = draw(valid)
        by_kind: dict[str, list[tuple[tuple, Any]]] = {}
        for path, kind, site_shape in _sites(request, shape, ()):
            if kind in wanted:
                by_kind.setdefault(kind, []).append((path, site_shape))
        present = [k for k in wanted if k in by_kind]
        if not present:
            reject()
        i = pick % len(present)
        order = present[i:] + present[:i]
        for kind in order:
            sites = by_kind[kind]
            start = draw(st.integers(0, len(sites) - 1)) if len(sites) > 1 else 0
            for path, site_shape in sites[start:] + sites[:start]:
                result = _mutate(draw, builder, request, path, kind, site_shape)
                if result is None:
                    continue
                bad, path, detail = result
                problems = validate(bad, shape)
                if [(p.path, p.kind) for p in problems] == [(path, kind)]:
                    return bad, Violation(path, kind, f"{format_path(path)}: {detail}", **_expected(kind, site_shape, detail))
        reject()

    return draw_invalid()
