"""Clauses: the constraints of an operation's input (or output), one stable id each.

A clause is one constraint at one place of a shape: ``RoleArn:required``,
``OutputConfig.TargetDevice:enum``, ``Tags[].Key:pattern``, ``VpcConfig.Subnets:min-size``.
The id is ``<path>:<kind>``; the path joins member names with ``.``, a list's members are
``[]``, a map's values ``{}`` and its keys ``{key}``, the input structure itself is
``<input>``. The cross-member rules of the overlays are clauses too (source "overlay"):

* ``ExactlyOne(members)`` on the structure at P: ``P:exactly-one-missing`` (none present)
  and ``P:exactly-one-both`` (two present), e.g. ``OutputConfig:exactly-one-missing``,
  ``<input>:exactly-one-both``; the detail names the members. Two groups on one structure
  would share ids and are refused.
* ``NotGreater(lesser, greater)`` at P: ``P.<lesser>:not-greater-than-<greater>``.
* ``RequiredWhen(member, when, equals)`` at P: ``P.<member>:required-when-<when>=<value>``,
  one clause per value of ``equals``.

UniqueBy (tag keys differ) is not a clause: no evidence says a server refuses duplicates
the way it refuses the rules above; the invalid requests keep it all the same.

Clauses come from walking the *shape* (never a drawn value), in model order, recursive
shapes bounded as the request builder bounds them (:data:`strategies._shapes.MAX_DEPTH`),
so a model gives the same ids on every call and in every process.

A clause mirrors what :func:`strategies.validate` checks, so that every problem it reports
maps to one clause (:func:`clause_of`). Hence: no clause for a ``jsonvalue`` string of the
input (only its JSON-serialisability is checked), for a tagged union's "exactly one member"
(kind ``union``), for undeclared members, or for the output body's root not being an object
(protocol checks cover those). An integer without a declared bound has its type range as
one (``min -2147483648 (integer range)``). Whether a clause can be broken alone (and so
sent as a request that breaks exactly it) is decided here too: :func:`clause_sendable`.
"""

from __future__ import annotations

import difflib
import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from . import _overlays as ov
from . import _witness as W
from ._patterns import PatternError, compile_pattern
from ._shapes import MAX_DEPTH, builder_for
from ._validate import Problem, validate

__all__ = [
    "Clause",
    "ClauseError",
    "clause_of",
    "clause_sendable",
    "clauses",
    "output_clauses",
]

#: Model clause kinds, and the :class:`Problem` kind each one is reported as.
PROBLEM_KIND = {
    "required": "missing_required",
    "type": "wrong_type",
    "enum": "enum",
    "pattern": "pattern",
    "min-length": "min_length",
    "max-length": "max_length",
    "min-value": "min_value",
    "max-value": "max_value",
    "min-size": "list_size",
    "max-size": "list_size",
}
_CLAUSE_KIND = {v: k for k, v in PROBLEM_KIND.items() if v != "list_size"}
#: Output clauses leave out max-length: real AWS output breaks it (a FailureReason of
#: 1,687 characters against a maximum of 1,024).
OUTPUT_KINDS = frozenset(PROBLEM_KIND) - {"max-length"}

#: The range of each integer type (validate checks it where the model declares no bound).
INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_NOT_IN_BODY = frozenset({"header", "headers", "statusCode", "uri", "querystring"})
_HEADERS = frozenset({"header", "headers", "querystring", "uri"})
MARKERS = ("[]", "{}", "{key}")
#: Characters tried against a pattern (the last two only where a body carries them).
_PROBES = "!~ #/_-.:A0a$%*\u00e9"
_BODY_PROBES = "\n\t\U0001f600\x00"
#: At most this many fixed bad values are kept per clause.
_FIXED = 6


class ClauseError(ValueError):
    """An unknown clause, a clause that cannot be broken alone, or a problem that needs
    the body to be placed."""


@dataclass(frozen=True)
class Clause:
    """One constraint of an operation at one path of its shape.

    ``path``: member names joined by ``.``, ``[]`` for a list's members, ``{}`` for a map's
    values, ``{key}`` for its keys, ``""`` for the structure itself. ``kind``: required,
    enum, pattern, min-length, max-length, min-value, max-value, min-size, max-size (lists
    and maps), type (output only), or an overlay rule's (exactly-one-missing,
    exactly-one-both, not-greater-than-<member>, required-when-<path>=<value>).
    ``detail``: the constraint, for people. ``source``: ``"model"`` or ``"overlay"``.
    ``unsendable``: why no request can break this clause and nothing else (None: one can)."""

    path: str
    kind: str
    detail: str
    source: str = "model"
    unsendable: str | None = None

    @property
    def id(self) -> str:
        return f"{self.path or '<input>'}:{self.kind}"

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Entry:
    """A clause with what drawing its invalid requests needs (internal)."""

    clause: Clause
    parts: tuple[str, ...]
    #: The shape at ``parts`` (model clauses) or the structure the rule is on (overlays).
    shape: Any
    rule: Any = None
    #: RequiredWhen: the value of ``rule.when`` this clause is about.
    equals: Any = None
    #: Bad values fixed in advance (strings and blobs; empty for other kinds).
    fixed: tuple = ()


def render(parts: tuple[str, ...]) -> str:
    out = ""
    for part in parts:
        out = out + part if part in MARKERS else (f"{out}.{part}" if out else part)
    return out


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def overlay_kinds(rule: Any) -> list[tuple[tuple[str, ...], str, str, Any]]:
    """``(path suffix, kind, detail, equals)`` of the clauses an overlay rule makes."""
    if isinstance(rule, ov.ExactlyOne):
        names = ", ".join(rule.members)
        return [
            ((), "exactly-one-missing", f"one of {names} is present", None),
            ((), "exactly-one-both", f"at most one of {names} is present", None),
        ]
    if isinstance(rule, ov.NotGreater):
        return [((rule.lesser,), f"not-greater-than-{rule.greater}",
                 f"{rule.lesser} <= {rule.greater} when both are present", None)]
    if isinstance(rule, ov.RequiredWhen):
        return [((rule.member,), f"required-when-{rule.when}={_value_text(v)}",
                 f"{rule.member} is present when {rule.when} is {_value_text(v)}", v) for v in rule.equals]
    return []


# --- the walk ----------------------------------------------------------------------------


class _Walk:
    def __init__(self, operation_model: Any, table: Mapping[str, tuple], output: bool) -> None:
        self.op = operation_model
        self.table = table
        self.output = output
        self.recursive = builder_for(operation_model.service_model).recursive
        self.entries: dict[str, Entry] = {}

    def enter(self, shape: Any, budget: int) -> int | None:
        if shape.name in self.recursive:
            return None if budget <= 0 else budget - 1
        return budget

    def add(self, parts: tuple, kind: str, detail: str, shape: Any, source: str = "model", **extra: Any) -> None:
        entry = Entry(Clause(render(parts), kind, detail, source), parts, shape, **extra)
        if not self.output:
            entry = replace(entry, clause=replace(entry.clause, unsendable=_why_not(self, entry)))
        found = self.entries.get(entry.clause.id)
        if found is not None and found.clause.detail != entry.clause.detail:
            raise ov.OverlayError(
                f"{self.op.name}: two clauses would share the id {entry.clause.id!r} "
                f"({found.clause.detail!r}, {entry.clause.detail!r})"
            )
        self.entries.setdefault(entry.clause.id, entry)

    def run(self) -> tuple[Entry, ...]:
        root = self.op.output_shape if self.output else self.op.input_shape
        if root is not None:
            budget = self.enter(root, MAX_DEPTH)
            if budget is not None:
                self.node(root, (), budget)
        return tuple(self.entries.values())

    def node(self, shape: Any, parts: tuple, budget: int) -> None:
        t = shape.type_name
        if self.output and parts and parts[-1] != "{key}":
            self.add(parts, "type", f"{type_text(t)} ({shape.name})", shape)
        getattr(self, f"_{t}", _nothing)(shape, parts, budget)

    def _structure(self, shape, parts, budget):
        required = set(shape.required_members)
        for name, member in shape.members.items():
            if self.output and member.serialization.get("location") in _NOT_IN_BODY:
                continue
            inner = self.enter(member, budget)
            if inner is None:
                continue
            child = parts + (name,)
            if name in required:
                self.add(child, "required", f"required by {shape.name}", member)
            self.node(member, child, inner)
        for rule in self.table.get(render(parts), ()):
            for suffix, kind, detail, equals in overlay_kinds(rule):
                self.add(parts + suffix, kind, detail, shape, "overlay", rule=rule, equals=equals)

    def _list(self, shape, parts, budget):
        self._sizes(shape, parts)
        inner = self.enter(shape.member, budget)
        if inner is not None:
            self.node(shape.member, parts + ("[]",), inner)

    def _map(self, shape, parts, budget):
        self._sizes(shape, parts)
        self.node(shape.key, parts + ("{key}",), budget)
        inner = self.enter(shape.value, budget)
        if inner is not None:
            self.node(shape.value, parts + ("{}",), inner)

    def _sizes(self, shape, parts):
        lo, hi = shape.metadata.get("min", 0), shape.metadata.get("max")
        if lo > 0:
            self.add(parts, "min-size", f"min {lo}", shape)
        if hi is not None:
            self.add(parts, "max-size", f"max {hi}", shape)

    def _string(self, shape, parts, budget):
        if shape.serialization.get("jsonvalue") and not self.output:
            return
        if shape.enum:
            self.add(parts, "enum", f"one of {len(shape.enum)} {shape.name} values", shape, fixed=_enum_bad(shape))
            return
        self._lengths(shape, parts, "")
        raw = shape.metadata.get("pattern")
        if raw:
            self.add(parts, "pattern", f"pattern ^{raw}$", shape, fixed=self.fixed(shape, parts, "pattern"))

    def _blob(self, shape, parts, budget):
        self._lengths(shape, parts, " bytes")

    def _lengths(self, shape, parts, unit):
        lo, hi = length_bounds(shape)
        if lo > 0:
            note = " (host label)" if "min" not in shape.metadata else ""
            self.add(parts, "min-length", f"min {lo}{unit}{note}", shape, fixed=self.fixed(shape, parts, "min-length"))
        if hi is not None and not self.output:
            self.add(parts, "max-length", f"max {hi}{unit}", shape, fixed=self.fixed(shape, parts, "max-length"))

    def _integer(self, shape, parts, budget):
        tlo, thi = INT_RANGE[shape.type_name]
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        self.add(parts, "min-value", f"min {lo}" if lo is not None else f"min {tlo} ({shape.type_name} range)", shape)
        self.add(parts, "max-value", f"max {hi}" if hi is not None else f"max {thi} ({shape.type_name} range)", shape)

    _long = _integer

    def _double(self, shape, parts, budget):
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None:
            self.add(parts, "min-value", f"min {lo}", shape)
        if hi is not None:
            self.add(parts, "max-value", f"max {hi}", shape)

    _float = _double

    def fixed(self, shape: Any, parts: tuple, kind: str) -> tuple:
        if self.output:
            return ()
        return _fixed_bad(shape, kind, outside_body(self.op.input_shape, parts))


def _nothing(*_: Any) -> None:
    return None


#: What a member of each shape type must be on the wire: the words of a ``type`` clause, and of
#: the fault proxy's AWS-style messages (conformance/faults/validation.py).
TYPE_TEXT = {
    "structure": "an object",
    "list": "a list",
    "map": "an object of entries",
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "boolean": "a boolean",
    "timestamp": "a timestamp",
    "blob": "base64 text",
    "document": "a JSON value",
}


def type_text(type_name: str) -> str:
    return TYPE_TEXT.get(type_name, type_name)


def length_bounds(shape: Any) -> tuple[int, int | None]:
    lo = shape.metadata.get("min", 0)
    if "min" not in shape.metadata and shape.serialization.get("hostLabel"):
        lo = 1
    return lo, shape.metadata.get("max")


def outside_body(root: Any, parts: tuple) -> bool:
    """Whether the value at ``parts`` travels in a header, query string or URI."""
    shape = root
    for part in parts:
        if part in MARKERS:
            shape = shape.member if part == "[]" else shape.value if part == "{}" else shape.key
        else:
            shape = shape.members[part]
            if shape.serialization.get("location") in _HEADERS:
                return True
    return False


# --- fixed bad values ----------------------------------------------------------------------


def _enum_bad(shape: Any) -> tuple[str, ...]:
    values = set(shape.enum)
    first = shape.enum[0]
    cands = ["INVALID_VALUE", first.swapcase(), first + "x", "x"]
    return tuple(c for c in dict.fromkeys(cands) if c and c not in values)[:_FIXED]


def exact(value: Any, shape: Any, kind: str) -> bool:
    """``value`` breaks exactly the ``kind`` clause of ``shape`` (and nothing else)."""
    return [p.kind for p in validate(value, shape)] == [PROBLEM_KIND[kind]]


def _fixed_bad(shape: Any, kind: str, header: bool) -> tuple:
    """Bad values that break ``kind`` of ``shape`` alone, built from the pattern."""
    lo, hi = length_bounds(shape)
    raw = shape.metadata.get("pattern")
    blob = shape.type_name == "blob"
    filler = b"\0" if blob else "a"

    def built(need: int) -> list[str]:
        if not raw:
            return []
        try:
            return [W.at_least(raw, need, header)]
        except W.Unsupported:
            return []

    cands: list[Any] = []
    if kind == "min-length":
        cands = built(lo - 1) + built(0) + [filler * (lo - 1), filler[:0]]
    elif kind == "max-length":
        cands = built(hi + 1) + [filler * (hi + 1)]
    elif kind == "pattern":
        probes = _PROBES if header else _PROBES + _BODY_PROBES
        if header:
            probes = "".join(c for c in probes if " " <= c <= "~")
        bases = list(dict.fromkeys(built(0) + built(lo) + built(lo + 1) + [""]))
        cands += bases
        for base in bases:
            for c in probes:
                cands += [base + c, c + base, base[:-1] + c, c + base[1:], c * max(lo, 1)]
    out = []
    for c in dict.fromkeys(cands):
        if exact(c, shape, kind):
            out.append(c)
            if len(out) == _FIXED:
                break
    return tuple(out)


def _why_not(walk: _Walk, entry: Entry) -> str | None:
    """Why no request breaks ``entry``'s clause alone (None: one does)."""
    clause, shape, parts = entry.clause, entry.shape, entry.parts
    kind = clause.kind
    if clause.source == "overlay":
        reason = _overlay_why_not(entry)
    elif kind == "required":
        reason = _required_why_not(walk, entry)
    elif kind in ("min-length", "max-length", "pattern") and not entry.fixed:
        reason = _length_why_not(shape, kind)
    elif kind == "min-size" and shape.metadata.get("min", 0) == 1 and outside_body(walk.op.input_shape, parts):
        reason = "an empty list bound to a header or the query string is not sent at all (the same as leaving it out)"
    elif kind == "max-size":
        reason = _distinct_keys_why_not(walk, entry)
    else:
        reason = None
    if reason is None:
        from ._breaking import narrowed_table

        try:
            narrowed_table(walk.op, walk.table, entry)
        except ClauseError as exc:
            reason = str(exc)
    return reason


def _required_why_not(walk: _Walk, entry: Entry) -> str | None:
    name = entry.parts[-1]
    if entry.shape.serialization.get("location") == "uri":
        return f"{name} is bound to the URI: botocore cannot build the request URL without it"
    for rule in walk.table.get(render(entry.parts[:-1]), ()):
        if isinstance(rule, ov.ExactlyOne) and name in rule.members and len(rule.members) > 1:
            return f"{name} is one of ExactlyOne{rule.members}: leaving it out breaks that rule too"
    return None


def _distinct_keys_why_not(walk: _Walk, entry: Entry) -> str | None:
    """An oversized map (or UniqueBy list) needs more distinct keys than an enum has."""
    shape = entry.shape
    need = shape.metadata["max"] + 1
    if shape.type_name == "map":
        key = shape.key
    else:
        rules = (*walk.table.get(render(entry.parts), ()), ov.SHAPES.get(walk.op.service_model.service_name, {}).get(shape.name))
        by = [r.key for r in rules if isinstance(r, ov.UniqueBy)]
        if not by:
            return None
        key = shape.member.members[by[0]]
    if key.enum and len(key.enum) < need:
        return f"{need} entries need {need} distinct keys, but the key is one of {len(key.enum)} values"
    return None


def _length_why_not(shape: Any, kind: str) -> str:
    raw = shape.metadata.get("pattern")
    lo, hi = length_bounds(shape)
    if raw:
        try:
            compile_pattern(raw)
        except PatternError as exc:
            return f"the pattern has no Python translation, so it is not checked ({exc})"
    try:
        least, most = W.width(raw) if raw else (0, float("inf"))
    except W.Unsupported:
        least, most = 0, float("inf")
    if kind == "min-length" and least >= lo:
        return f"a value shorter than {lo} breaks the pattern too (a match has at least {_chars(least)})"
    if kind == "max-length" and most <= hi:
        return f"a value longer than {hi} breaks the pattern too (a match has at most {_chars(int(most))})"
    if kind == "pattern":
        bounds = f"{lo}..{'' if hi is None else hi}"
        return f"no value of length {bounds} was found that breaks the pattern and nothing else"
    return f"no value was found that breaks {kind} and nothing else"


def _chars(n: int) -> str:
    return f"{n} character" if n == 1 else f"{n} characters"


def _overlay_why_not(entry: Entry) -> str | None:
    rule, shape = entry.rule, entry.shape
    required = set(shape.required_members)
    if entry.clause.kind == "exactly-one-missing":
        forced = required & set(rule.members)
        if forced:
            return f"{', '.join(sorted(forced))} is required by the model: it is never absent"
    elif entry.clause.kind == "exactly-one-both":
        if len(rule.members) < 2:
            return "a group of one member cannot have two present"
    elif isinstance(rule, ov.NotGreater):
        member = shape.members[rule.lesser]
        lo, hi = member.metadata.get("min"), member.metadata.get("max")
        if lo is not None and lo == hi:
            return f"{rule.lesser} and {rule.greater} can only take the value {lo}"
    elif isinstance(rule, ov.RequiredWhen):
        if rule.member in required:
            return f"{rule.member} is required by the model: it is never absent"
    return None


# --- public functions ------------------------------------------------------------------------

_cache: weakref.WeakKeyDictionary[Any, dict[Any, tuple[Entry, ...]]] = weakref.WeakKeyDictionary()


def entries(operation_model: Any, table: Mapping[str, tuple] | None = None, key: Any = None, output: bool = False) -> tuple[Entry, ...]:
    """The clause entries of the operation's input (with ``table``, the operation overlay
    table: the built-in one by default; ``key`` names a caller's overlays, None the
    built-in ones) or output; cached per operation and key."""
    per_op = _cache.get(operation_model)
    if per_op is None:
        per_op = _cache[operation_model] = {}
    cache_key = ("output",) if output else ("input", key)
    try:
        found = per_op.get(cache_key)
    except TypeError:  # overlays that cannot be hashed: listed again every time
        cache_key, found = None, None
    if found is None:
        if table is None:
            table = {} if output or operation_model.input_shape is None else ov.operation_table(operation_model, None)
        found = _Walk(operation_model, table, output).run()
        if cache_key is not None:
            per_op[cache_key] = found
    return found


def clauses(operation_model: Any) -> tuple[Clause, ...]:
    """Every clause of the operation's input at every depth, in model order: for each
    member, ``required`` (if it is), then its own constraints, then those below it; a
    structure's overlay rules after its members. Empty for an operation without input."""
    return tuple(e.clause for e in entries(operation_model))


def output_clauses(operation_model: Any) -> tuple[Clause, ...]:
    """The clauses of the output body: required, type (every member, list member and map
    value), enum, pattern, min-length, min/max-value, min/max-size; not max-length (real AWS
    output breaks it). Members bound to headers or the status code are not in the body and
    not listed. Empty for an operation without output."""
    return tuple(e.clause for e in entries(operation_model, output=True))


def clause_sendable(clause: Clause) -> str | None:
    """Why no request can break ``clause`` and nothing else (e.g. an EntityName shorter
    than 1 also breaks its pattern), or None when :func:`strategies.invalid_requests` can
    draw such requests."""
    return clause.unsendable


def find(operation_model: Any, clause: Clause | str, table: Mapping[str, tuple] | None = None, key: Any = None) -> Entry:
    """The entry of ``clause`` (a :class:`Clause` or its id) among the operation's input clauses."""
    wanted = clause.id if isinstance(clause, Clause) else clause
    if not isinstance(wanted, str):
        raise ClauseError(f"clause must be a Clause or its id, not {type(clause).__name__}")
    listed = entries(operation_model, table, key)
    for entry in listed:
        if entry.clause.id == wanted:
            return entry
    ids = [e.clause.id for e in listed]
    close = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ClauseError(f"{operation_model.name} has no clause {wanted!r}.{hint} Clauses: {', '.join(ids) or 'none'}")


def clause_of(problem: Problem, shape: Any, body: Any = None) -> str | None:
    """The id of the clause a :class:`Problem` of ``validate(body, shape)`` (either mode)
    belongs to: list indexes become ``[]``, map keys ``{}`` (or ``{key}`` for a problem with
    the key itself), wire names the member names. None for an undeclared member, a union
    and a wrong type of the root. A ``list_size`` problem is min-size or max-size by the
    value's length, read from ``body``; without it, only when the shape has one bound."""
    parts: list[str] = []
    node = shape
    last = len(problem.path) - 1
    for i, step in enumerate(problem.path):
        t = node.type_name
        if t == "structure":
            name = step if step in node.members else _wire_names(node).get(step)
            if name is None:
                return None
            parts.append(name)
            node = node.members[name]
        elif t == "list" and isinstance(step, int):
            parts.append("[]")
            node = node.member
        elif t == "map" and i == last and problem.message.startswith("map key: "):
            parts.append("{key}")
            node = node.key
        elif t == "map":
            parts.append("{}")
            node = node.value
        else:
            return None
    kind = problem.kind
    if kind == "list_size":
        kind = _size_kind(problem, node, body)
    elif kind == "wrong_type" and not parts:
        return None
    else:
        kind = _CLAUSE_KIND.get(kind)
        if kind is None:
            return None
    return f"{render(tuple(parts)) or '<input>'}:{kind}"


def _wire_names(shape: Any) -> dict[str, str]:
    return {m.serialization.get("name", n): n for n, m in shape.members.items()}


def _size_kind(problem: Problem, shape: Any, body: Any) -> str:
    lo, hi = shape.metadata.get("min", 0), shape.metadata.get("max")
    if hi is None:
        return "min-size"
    if lo == 0:
        return "max-size"
    if body is None:
        raise ClauseError(
            f"{problem}: {shape.name} has a minimum and a maximum; pass the body to tell which it breaks"
        )
    value = body
    for step in problem.path:
        value = value[step]
    return "min-size" if len(value) < lo else "max-size"
