"""The invalid requests of one clause: otherwise valid, breaking exactly that clause.

A valid request is drawn with the overlay table narrowed so that the clause's member and
its parents are present (an ExactlyOne group on the way narrowed to the member by its
weights, optional members :class:`~strategies._overlays.Present`, lists and maps
:class:`~strategies._overlays.NonEmpty`), then the one place is broken: the list element
or map entry on the way is chosen by Hypothesis, the bad value among near misses of the
drawn value (or drawn freely, half of the time), with the clause's fixed bad values
(:mod:`strategies._clauses`) as the fallback that always exists. Overlay clauses break
their rule on that one structure (members removed, one added, two values swapped).

The result is checked: for a model clause :func:`~strategies.validate` reports one
problem and :func:`~strategies.clause_of` puts it in the clause; for an overlay clause
validate reports none and that rule is the only one broken. Every other overlay rule
still holds, otherwise the draw is rejected; that only happens when the bad number meets
a NotGreater partner (``MaxWaitTimeInSeconds`` of 0 with a ``MaxRuntimeInSeconds``):
about half the draws of those clauses. Shrinking keeps the label true: it is computed
from the drawn request.
"""

from __future__ import annotations

import copy
import datetime
import functools
from collections.abc import Mapping
from typing import Any

from hypothesis import reject, strategies as st

from . import _overlays as ov
from ._api import Violation
from ._clauses import INT_RANGE, MARKERS, ClauseError, Entry, clause_of, exact, find, length_bounds, outside_body
from ._clauses import overlay_kinds, render
from ._shapes import builder_for
from ._validate import format_path, validate

__all__ = ["clause_strategy", "narrowed_table", "overlay_breaks"]

#: Codes a server may answer for a body it cannot even deserialise.
_SERIALIZATION = ("ValidationException", "SerializationException")


_BODY_TEXT = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn"))
_HEADER_TEXT = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_NEAR_CHARS = "!~ #/_-.:A0a\u00e9\n"


class _Narrowing:
    """Builds the narrowed overlay table of one clause (a copy: the caller's is untouched)."""

    def __init__(self, root: Any, table: Mapping[str, tuple]) -> None:
        self.root = root
        self.table = {k: tuple(v) for k, v in table.items()}
        self.chosen: dict[tuple[str, tuple], str] = {}

    def force(self, parts: tuple[str, ...]) -> None:
        """Make the member at ``parts`` (and every parent) present in every draw."""
        shape, done = self.root, ()
        for part in parts:
            where = render(done)
            rules = self.table.get(where, ())
            if part in MARKERS:
                if not any(isinstance(r, ov.NonEmpty) for r in rules):
                    self.table[where] = rules + (ov.NonEmpty(f"a clause lies below {where}"),)
                shape = shape.member if part == "[]" else shape.value if part == "{}" else shape.key
            else:
                self.table[where] = self._present(shape, where, rules, part)
                shape = shape.members[part]
            done += (part,)

    def _present(self, shape: Any, where: str, rules: tuple, name: str) -> tuple:
        out, grouped = [], False
        groups = [r for r in rules if isinstance(r, ov.ExactlyOne)]
        if shape.is_tagged_union and not groups:
            rules = rules + (ov.ExactlyOne(tuple(shape.members)),)
        for rule in rules:
            if isinstance(rule, ov.ExactlyOne) and name in rule.members:
                grouped = True
                before = self.chosen.setdefault((where, rule.members), name)
                if before != name:
                    raise ClauseError(
                        f"{before} and {name} are both needed, but ExactlyOne{rule.members} at "
                        f"{where or '<input>'} allows one of them"
                    )
                weights = tuple(int(m == name) for m in rule.members)
                out.append(ov.ExactlyOne(rule.members, weights, why=f"narrowed to {name}: a clause lies below it"))
                continue
            out.append(rule)
        if not grouped and name not in shape.required_members:
            if not any(isinstance(r, ov.Present) and r.member == name for r in out):
                out.append(ov.Present(name, f"a clause lies below {name}"))
        return tuple(out)

    def pin(self, parts: tuple[str, ...], value: Any) -> None:
        where = render(parts)
        rest = tuple(r for r in self.table.get(where, ()) if not isinstance(r, ov.Values))
        self.table[where] = (ov.Values(lambda: st.just(value), f"pinned to {value!r}"),) + rest


def narrowed_table(operation_model: Any, table: Mapping[str, tuple], entry: Entry) -> dict[str, tuple]:
    """The overlay table the valid requests of ``entry``'s clause are drawn with."""
    n = _Narrowing(operation_model.input_shape, table)
    clause, rule = entry.clause, entry.rule
    if clause.source == "model":
        n.force(entry.parts[:-1] if clause.kind == "required" else entry.parts)
    elif isinstance(rule, ov.ExactlyOne):
        n.force(entry.parts)
    else:
        at = entry.parts[:-1]
        n.force(at)
        if isinstance(rule, ov.NotGreater):
            n.force(at + (rule.lesser,))
            n.force(at + (rule.greater,))
        else:
            when = at + tuple(rule.when.split("."))
            n.force(when)
            n.pin(when, entry.equals)
    return n.table


def overlay_breaks(value: Any, shape: Any, table: Mapping[str, tuple], shape_rules: Mapping[str, Any]) -> list[tuple[str, tuple]]:
    """``(clause id, path)`` of every overlay rule ``value`` breaks (UniqueBy as
    ``<list>:unique-by-<key>``, not a clause, but a break all the same)."""
    out: list[tuple[str, tuple]] = []

    def visit(v: Any, s: Any, parts: tuple, path: tuple) -> None:
        t = s.type_name
        where = render(parts)
        if t == "structure" and isinstance(v, dict):
            for rule in table.get(where, ()):
                for suffix, kind, _, equals in overlay_kinds(rule):
                    if _broken(rule, kind, equals, v):
                        out.append((f"{render(parts + suffix) or '<input>'}:{kind}", path + suffix))
            for k, child in v.items():
                if k in s.members:
                    visit(child, s.members[k], parts + (k,), path + (k,))
        elif t == "list" and isinstance(v, list):
            for rule in (*table.get(where, ()), shape_rules.get(s.name)):
                if isinstance(rule, ov.UniqueBy):
                    keys = [item.get(rule.key) for item in v if isinstance(item, dict) and rule.key in item]
                    if len(keys) != len(set(map(repr, keys))):
                        out.append((f"{where}:unique-by-{rule.key}", path))
            for i, child in enumerate(v):
                visit(child, s.member, parts + ("[]",), path + (i,))
        elif t == "map" and isinstance(v, dict):
            for k, child in v.items():
                visit(child, s.value, parts + ("{}",), path + (k,))

    visit(value, shape, (), ())
    return out


def _broken(rule: Any, kind: str, equals: Any, v: dict) -> bool:
    if isinstance(rule, ov.ExactlyOne):
        n = sum(m in v for m in rule.members)
        return n == 0 if kind == "exactly-one-missing" else n > 1
    if isinstance(rule, ov.NotGreater):
        a, b = v.get(rule.lesser, _ABSENT), v.get(rule.greater, _ABSENT)
        if a is _ABSENT or b is _ABSENT or isinstance(a, bool) or isinstance(b, bool):
            return False
        try:
            return a > b
        except TypeError:  # a bad value of another type: not this rule's business
            return False
    if isinstance(rule, ov.RequiredWhen):
        return _at(v, rule.when) == equals and rule.member not in v
    return False


def _at(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


_ABSENT = object()


def _locate(draw: Any, value: Any, parts: tuple[str, ...]) -> tuple[Any, Any, tuple]:
    """The container of the place ``parts`` names in ``value``, the key or index there, and
    the concrete path; list elements and map entries on the way are chosen by Hypothesis."""
    path: tuple = ()
    for i, part in enumerate(parts):
        if part == "[]":
            if not isinstance(value, list) or not value:
                reject()
            step: Any = draw(st.integers(0, len(value) - 1)) if len(value) > 1 else 0
        elif part in ("{}", "{key}"):
            if not isinstance(value, dict) or not value:
                reject()
            keys = list(value)
            step = keys[draw(st.integers(0, len(keys) - 1))] if len(keys) > 1 else keys[0]
        else:
            if not isinstance(value, dict) or part not in value:
                reject()
            step = part
        if i == len(parts) - 1:
            return value, step, path + (step,)
        value, path = value[step], path + (step,)
    raise ClauseError("a clause at the input itself has no member to locate")


class _Plan:
    """What the draws of one clause share, built once."""

    def __init__(self, operation_model: Any, table: Mapping[str, tuple], entry: Entry) -> None:
        self.op = operation_model
        self.shape = operation_model.input_shape
        self.entry = entry
        self.table = table
        self.builder = builder_for(operation_model.service_model)
        self.narrowed = narrowed_table(operation_model, table, entry)
        self.valid = self.builder.request(operation_model, self.narrowed)
        self.header = outside_body(self.shape, entry.parts)
        kind, rule = entry.clause.kind, entry.rule
        self.extra: dict[str, st.SearchStrategy[Any]] = {}
        if kind == "max-size":
            self.oversized = self._oversized()
        if kind == "exactly-one-both":
            for m in rule.members:
                self.extra[m] = self.builder.at(operation_model, entry.parts + (m,), self.narrowed)

    def __repr__(self) -> str:
        return f"clause({self.op.name}, {self.entry.clause.id})"

    def _oversized(self) -> st.SearchStrategy[Any]:
        """A list or map one entry over the maximum, replacing the drawn one. Scalar entries
        are drawn one by one; composite ones (which cost much more) up to
        :data:`OVERSIZED_DISTINCT` distinct, repeated to the size, with distinct keys where
        the list's members are UniqueBy a key (and a map's keys always distinct)."""
        shape, parts = self.entry.shape, self.entry.parts
        need = shape.metadata["max"] + 1
        at = functools.partial(self.builder.at, self.op, table=self.narrowed)
        if shape.type_name == "map":
            keys = st.lists(at(parts + ("{key}",)), min_size=need, max_size=need, unique=True)
            values = _repeated(at(parts + ("{}",)), shape.value, need)
            return st.builds(lambda k, v: dict(zip(k, v)), keys, values)
        items = _repeated(at(parts + ("[]",)), shape.member, need)
        rules = (*self.narrowed.get(render(parts), ()), self.builder.shape_rules.get(shape.name))
        by = [r.key for r in rules if isinstance(r, ov.UniqueBy)]
        if not by:
            return items
        keys = st.lists(at(parts + ("[]", by[0])), min_size=need, max_size=need, unique=True)
        return st.builds(lambda xs, ks: [{**x, by[0]: k} for x, k in zip(xs, ks)], items, keys)


#: An oversized list or map draws at most this many distinct composite entries.
OVERSIZED_DISTINCT = 4


def _repeated(item: st.SearchStrategy[Any], shape: Any, need: int) -> st.SearchStrategy[list]:
    if shape.type_name not in ("structure", "list", "map"):
        return st.lists(item, min_size=need, max_size=need)
    distinct = st.lists(item, min_size=1, max_size=min(need, OVERSIZED_DISTINCT))
    return distinct.map(lambda xs: [copy.deepcopy(xs[i % len(xs)]) for i in range(need)])


def _bad_value(draw: Any, plan: _Plan, current: Any) -> Any:
    entry = plan.entry
    kind, shape = entry.clause.kind, entry.shape
    if kind in ("min-value", "max-value"):
        return _bad_number(draw, shape, kind)
    if kind == "min-size":
        n = draw(st.integers(0, shape.metadata["min"] - 1))
        return dict(list(current.items())[:n]) if isinstance(current, dict) else current[:n]
    if kind == "max-size":
        return draw(plan.oversized)
    near, free = _near(shape, kind, current, plan.header)
    good = [c for c in dict.fromkeys(near) if exact(c, shape, kind)] + list(entry.fixed)
    if free is not None and draw(st.booleans()):
        value = draw(free)
        if exact(value, shape, kind):
            return value
    if not good:
        reject()
    return good[draw(st.integers(0, len(good) - 1))] if len(good) > 1 else good[0]


def _near(shape: Any, kind: str, v: Any, header: bool) -> tuple[list, st.SearchStrategy[Any] | None]:
    """Near misses of the drawn value ``v`` (checked by the caller) and a free strategy."""
    chars = _HEADER_TEXT if header else _BODY_TEXT
    if kind == "enum":
        return [v.swapcase(), v + "x", v[:-1], v.lower() + "_", "INVALID_VALUE"], st.text(chars, min_size=1, max_size=24)
    meta = shape.metadata
    if kind == "min-length":
        lo = length_bounds(shape)[0]
        return [v[:k] for k in range(min(lo - 1, len(v)), max(-1, lo - 10), -1)], None
    if kind == "max-length":
        hi = meta["max"]
        fills = [v[-1:], v[:1]] + ([b"\0"] if isinstance(v, bytes) else ["a", "0", "-"])
        out = []
        for fill in dict.fromkeys(f for f in fills if f):
            for pos in dict.fromkeys([len(v), len(v) // 2, 1, 0]):
                out.append(v[:pos] + fill * (hi + 1 - len(v)) + v[pos:])
        return out, None
    # pattern: one character inserted or put in place of one, anywhere
    probes = [c for c in _NEAR_CHARS if not header or " " <= c <= "~"]
    mid = len(v) // 2
    out = [x for c in probes for x in (v + c, c + v, v[:mid] + c + v[mid:], v[:-1] + c)]
    free = st.builds(
        lambda i, c, drop: v[:i] + c + v[i + drop :],
        st.integers(0, len(v)),
        chars,
        st.integers(0, 1 if v else 0),
    )
    return out, free


def _bad_number(draw: Any, shape: Any, kind: str) -> Any:
    t = shape.type_name
    meta = shape.metadata
    step = draw(st.integers(1, 2**16))
    if kind == "min-value":
        bound = meta.get("min", INT_RANGE.get(t, (None, None))[0])
        bad = bound - step
    else:
        bound = meta.get("max", INT_RANGE.get(t, (None, None))[1])
        bad = bound + step
    return float(bad) if t in ("float", "double") else bad


def _apply_model(draw: Any, plan: _Plan, request: dict) -> None:
    entry = plan.entry
    container, step, _ = _locate(draw, request, entry.parts)
    if entry.clause.kind == "required":
        del container[step]
    elif entry.parts[-1] == "{key}":
        bad = _bad_value(draw, plan, step)
        if bad in container:
            reject()
        items = list(container.items())
        container.clear()
        container.update({(bad if k == step else k): v for k, v in items})
    else:
        container[step] = _bad_value(draw, plan, container[step])


def _apply_overlay(draw: Any, plan: _Plan, request: dict) -> tuple:
    entry = plan.entry
    rule, kind = entry.rule, entry.clause.kind
    at = entry.parts if isinstance(rule, ov.ExactlyOne) else entry.parts[:-1]
    if at:
        container, step, path = _locate(draw, request, at)
        struct = container[step]
    else:
        struct, path = request, ()
    if kind == "exactly-one-missing":
        for m in rule.members:
            struct.pop(m, None)
        return path, f"none of {', '.join(rule.members)} is present"
    if kind == "exactly-one-both":
        others = [m for m in rule.members if m not in struct]
        if len(others) == len(rule.members) or not others:
            reject()
        extra = draw(st.sampled_from(others)) if len(others) > 1 else others[0]
        struct[extra] = draw(plan.extra[extra])
        both = [m for m in rule.members if m in struct]
        return path, f"{' and '.join(both)} are both present (at most one of {', '.join(rule.members)})"
    if isinstance(rule, ov.NotGreater):
        a, b = struct[rule.lesser], struct[rule.greater]
        if a < b:
            a, b = b, a
        elif a == b:
            member = entry.shape.members[rule.lesser]
            step = datetime.timedelta(seconds=1) if member.type_name == "timestamp" else 1
            lo = member.metadata.get("min", INT_RANGE.get(member.type_name, (None, None))[0])
            if lo is None or b - step >= lo:
                b = b - step
            else:
                a = a + step
        struct[rule.lesser], struct[rule.greater] = a, b
        return path + (rule.lesser,), f"{rule.lesser} {a} > {rule.greater} {b}"
    struct.pop(rule.member, None)  # RequiredWhen
    return path + (rule.member,), f"{rule.member} is missing while {rule.when} is {entry.equals!r}"


_clause_cache: dict[tuple, st.SearchStrategy[tuple[dict, Violation]]] = {}


def clause_strategy(operation_model: Any, clause: Any, overlays: Mapping[str, Any] | None, key: Any) -> st.SearchStrategy[tuple[dict, Violation]]:
    """``(request, violation)`` pairs breaking exactly ``clause`` (see the module docstring)."""
    if operation_model.input_shape is None:
        raise ClauseError(f"{operation_model.name} takes no input: it has no clauses")
    table = ov.operation_table(operation_model, overlays)
    entry = find(operation_model, clause, table, key)
    cache_key = (operation_model, entry.clause.id, key)
    try:
        found = _clause_cache.get(cache_key)
    except TypeError:
        cache_key, found = None, None
    if found is not None:
        return found
    if entry.clause.unsendable:
        raise ClauseError(f"{entry.clause.id} cannot be broken alone: {entry.clause.unsendable}")
    plan = _Plan(operation_model, table, entry)
    strategy = _draw_clause(plan)
    if cache_key is not None:
        _clause_cache[cache_key] = strategy
    return strategy


def _draw_clause(plan: _Plan) -> st.SearchStrategy[tuple[dict, Violation]]:
    entry, shape = plan.entry, plan.shape
    clause = entry.clause
    shape_rules = plan.builder.shape_rules

    @st.composite
    def draw_clause(draw: Any) -> tuple[dict, Violation]:
        request = copy.deepcopy(draw(plan.valid))
        if clause.source == "overlay":
            overlay_path, text = _apply_overlay(draw, plan, request)
        else:
            overlay_path = None
            _apply_model(draw, plan, request)
        problems = validate(request, shape)
        breaks = overlay_breaks(request, shape, plan.table, shape_rules)
        if overlay_path is not None:
            if problems or breaks != [(clause.id, overlay_path)]:
                reject()
            return request, Violation(overlay_path, clause.kind, f"{format_path(overlay_path)}: {text}", clause=clause.id)
        if breaks or len(problems) != 1 or clause_of(problems[0], shape, request) != clause.id:
            reject()
        problem = problems[0]
        return request, Violation(
            problem.path,
            problem.kind,
            f"{format_path(problem.path)}: {problem.message}",
            expected_codes=_codes(entry),
            client_side=_botocore_refuses(request, shape),
            clause=clause.id,
        )

    return draw_clause()


def _codes(entry: Entry) -> tuple[str, ...]:
    """A number beyond its type's range (no bound declared) may not even deserialise."""
    kind, shape = entry.clause.kind, entry.shape
    bound = {"min-value": "min", "max-value": "max"}.get(kind)
    if bound is not None and shape.type_name in INT_RANGE and bound not in shape.metadata:
        return _SERIALIZATION
    return ("ValidationException",)


def _botocore_refuses(request: dict, shape: Any) -> bool:
    from botocore.validate import ParamValidator

    return ParamValidator().validate(request, shape).has_errors()
