"""botocore shapes -> Hypothesis strategies of model-valid values.

One ``_<type>`` method per ``shape.type_name`` (as botocore's ``ParamValidator`` walks the
model). Strategies are cached per service, shape and recursion budget, so building them
for every operation of a service costs one pass over the shapes actually drawn. Shapes
on a cycle of the model (``SearchExpression`` -> ``SubExpressions`` -> ...) go through
``st.deferred`` and spend one unit of :data:`MAX_DEPTH` per level; when it is spent, an
optional recursive member is left out and a recursive list is empty.

Overlays (:mod:`strategies._overlays`) are looked up by shape name (whole service) and by
member path (one operation); a path overlay makes the structures on its way uncached.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
import weakref
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis.errors import InvalidArgument

from . import _overlays as ov
from ._regexgen import Unsupported, class_chars, pattern_text, validated_filter
from ._patterns import PatternError, compile_pattern, translate_for_generation

MAX_DEPTH = 3
#: Generated lists and maps hold at most this many entries beyond their minimum, strings
#: without a pattern this many characters beyond theirs (larger values only cost time;
#: the bounds themselves are exercised by the invalid requests).
EXTRA_ITEMS = 2
EXTRA_CHARS = 20

_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_EPOCH_MIN = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
_EPOCH_MAX = _dt.datetime(2099, 12, 31, tzinfo=_dt.timezone.utc)
#: Text a real server takes in a JSON or XML body: no controls, surrogates, private use.
_BODY_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn"))
#: Headers and query strings: printable ASCII.
_HEADER_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_HEADER_LOCATIONS = frozenset({"header", "headers", "querystring"})

#: One atom (class, dot or escape), one quantifier: drawn as text of the right length.
_SIMPLE = re.compile(
    r"\(?(?P<atom>\[(?:\\.|[^\]\\])+\]|\.|\\[a-zA-Z])(?P<q>[*+?]|\{\d+(?:,\d*)?\})?\)?"
)


class UnsatisfiableShape(ValueError):
    """A shape whose constraints no value can meet (e.g. a required member beyond the
    recursion bound)."""


def _bounds(q: str | None) -> tuple[int, int | None]:
    if q is None:
        return 1, 1
    if q in "*+?":
        return {"*": (0, None), "+": (1, None), "?": (0, 1)}[q]
    lo, _, hi = q[1:-1].partition(",")
    if not _:
        return int(lo), int(lo)
    return int(lo), (int(hi) if hi else None)


_pattern_cache: dict[tuple[str, int, int | None, bool], st.SearchStrategy[str]] = {}


def pattern_strategy(
    pattern: str, min_size: int = 0, max_size: int | None = None, header: bool = False
) -> st.SearchStrategy[str]:
    """Strings that fullmatch ``pattern`` with ``min_size <= len <= max_size``.

    A single-atom pattern (``[a-z0-9-]*``, ``.*``, ``\\S+``) is one text draw with the
    length folded into its bounds, so no draw is filtered away; any other pattern is
    drawn by :func:`strategies._regexgen.pattern_text` (or ``st.from_regex`` for ``\\b``
    and backreferences) and filtered on length. Characters come from a body-safe alphabet (no controls)
    unless the pattern needs others."""
    key = (pattern, min_size, max_size, header)
    if key in _pattern_cache:
        return _pattern_cache[key]
    compile_pattern(pattern)  # raises PatternError for the untranslatable
    source = translate_for_generation(pattern)
    regex = re.compile(source)
    m = _SIMPLE.fullmatch(source)
    if m and (source.startswith("(") == source.endswith(")")):
        lo, hi = _bounds(m.group("q"))
        lo = max(lo, min_size)
        hi = max_size if hi is None else hi if max_size is None else min(hi, max_size)
        hi = lo + EXTRA_CHARS if hi is None else min(hi, lo + EXTRA_CHARS)
        if lo <= hi:
            try:
                strategy = _Text(class_chars(m.group("atom"), header), lo, hi)
            except Unsupported:
                pass
            else:
                _pattern_cache[key] = strategy
                return strategy
    strategy: st.SearchStrategy[str]
    try:
        strategy = pattern_text(regex, header)
    except Unsupported:
        alphabet = _HEADER_CHARS if header else _BODY_CHARS
        try:
            strategy = st.from_regex(regex, fullmatch=True, alphabet=alphabet)
            strategy.validate()
        except (InvalidArgument, ValueError):
            strategy = st.from_regex(regex, fullmatch=True)
    if min_size > 0 or max_size is not None:
        strategy = validated_filter(
            strategy, lambda s, lo=min_size, hi=max_size: lo <= len(s) and (hi is None or len(s) <= hi)
        )
    _pattern_cache[key] = strategy
    return strategy


def _recursive_shapes(service_model: Any) -> frozenset[str]:
    """Names of the shapes on a cycle of the model (Tarjan over the raw shape map)."""
    try:
        raw: Mapping[str, Any] = service_model._shape_resolver._shape_map
    except AttributeError:  # pragma: no cover - a botocore without the private map
        raw = {n: service_model.shape_for(n).__dict__.get("_shape_model", {}) for n in service_model.shape_names}

    def edges(name: str) -> list[str]:
        spec = raw.get(name, {})
        out = [ref["shape"] for ref in spec.get("members", {}).values()]
        out += [spec[k]["shape"] for k in ("member", "key", "value") if k in spec]
        return out

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: set[str] = set()
    counter = itertools.count()
    for root in raw:
        if root in index:
            continue
        work = [(root, iter(edges(root)))]
        index[root] = low[root] = next(counter)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            for child in it:
                if child not in index:
                    index[child] = low[child] = next(counter)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges(child))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    scc = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        scc.append(w)
                        if w == node:
                            break
                    if len(scc) > 1 or node in edges(node):
                        result.update(scc)
    return frozenset(result)


class _Where:
    """The member path being built and the operation rules that apply below it."""

    __slots__ = ("table", "prefixes", "path")

    def __init__(self, table: Mapping[str, tuple[ov.Rule, ...]], prefixes: frozenset[str], path: str):
        self.table, self.prefixes, self.path = table, prefixes, path

    @classmethod
    def top(cls, table: Mapping[str, tuple[ov.Rule, ...]]) -> _Where:
        prefixes = {""}
        for key in table:
            for m in re.finditer(r"[.\[{]|$", key):
                prefixes.add(key[: m.start()])
            prefixes.add(key)
        return cls(table, frozenset(prefixes), "")

    def child(self, part: str) -> _Where | None:
        path = part if not self.path else (self.path + part if part in ("[]", "{}") else f"{self.path}.{part}")
        return _Where(self.table, self.prefixes, path) if path in self.prefixes else None

    def rules(self) -> tuple[ov.Rule, ...]:
        return self.table.get(self.path, ())


class Builder:
    """Strategies for the shapes of one service (cached; one per service model)."""

    def __init__(self, service_model: Any) -> None:
        self.service_model = service_model
        self.service = service_model.service_name
        self.shape_rules = ov.SHAPES.get(self.service, {})
        ov.check_service(service_model, self.shape_rules)
        self._cache: dict[tuple[Any, ...], st.SearchStrategy[Any] | None] = {}
        self._recursive: frozenset[str] | None = None

    @property
    def recursive(self) -> frozenset[str]:
        if self._recursive is None:
            self._recursive = _recursive_shapes(self.service_model)
        return self._recursive

    # -- entry points ---------------------------------------------------------------

    def request(self, operation_model: Any, overlays: Mapping[str, Any] | None = None) -> st.SearchStrategy[dict]:
        shape = operation_model.input_shape
        table = ov.operation_table(operation_model, overlays)
        if shape is None:
            return st.just({})
        strategy = self.shape(shape, MAX_DEPTH, _Where.top(table))
        if strategy is None:  # pragma: no cover - inputs are never recursive
            raise UnsatisfiableShape(operation_model.name)
        return strategy

    def shape(self, shape: Any, budget: int = MAX_DEPTH, where: _Where | None = None) -> st.SearchStrategy[Any] | None:
        """The strategy for ``shape``; None when its recursion budget is spent."""
        if shape.name in self.recursive:
            if budget <= 0:
                return None
            budget -= 1
        location = shape.serialization.get("location")
        if where is not None:
            return self._build(shape, budget, where, location)
        key = (
            shape.name,
            budget if shape.name in self.recursive or shape.type_name in ("structure", "list", "map") else None,
            location,
            bool(shape.serialization.get("hostLabel")),
        )
        try:
            return self._cache[key]
        except KeyError:
            pass
        self._cache[key] = strategy = self._build(shape, budget, None, location)
        return strategy

    def member(self, shape: Any, budget: int, where: _Where | None) -> st.SearchStrategy[Any] | None:
        """A child's strategy; recursive children are deferred (built on first draw)."""
        if shape.name in self.recursive:
            if budget <= 0:
                return None
            return st.deferred(lambda: _or_nothing(self.shape(shape, budget, where)))
        return self.shape(shape, budget, where)

    def _build(self, shape: Any, budget: int, where: _Where | None, location: str | None) -> st.SearchStrategy[Any] | None:
        rules = where.rules() if where is not None else ()
        for rule in rules:
            if isinstance(rule, ov.Values):
                return rule.strategy()
        rule = self.shape_rules.get(shape.name)
        if isinstance(rule, ov.Values):
            return rule.strategy()
        method = getattr(self, f"_{shape.type_name}", None)
        if method is None:
            raise UnsatisfiableShape(f"no strategy for shape type {shape.type_name!r} ({shape.name})")
        return method(shape, budget, where, rules, location)

    # -- one method per shape type ----------------------------------------------------

    def _structure(self, shape, budget, where, rules, location):
        present = {r.member for r in rules if isinstance(r, ov.Present)}
        required = set(shape.required_members) | present
        members: dict[str, st.SearchStrategy[Any]] = {}
        for name, member in shape.members.items():
            child = where.child(name) if where is not None else None
            strategy = self.member(member, budget, child)
            if strategy is None:
                if name in required:
                    raise UnsatisfiableShape(f"{shape.name}.{name} is required beyond the recursion bound")
                continue
            members[name] = strategy
        groups = [r for r in rules if isinstance(r, ov.ExactlyOne)]
        if shape.is_tagged_union and members:
            if groups:  # a union narrowed by the overlay: its other members are left out
                keep = {m for g in groups for m in g.members} | present
                members = {k: s for k, s in members.items() if k in keep}
            else:
                groups.append(ov.ExactlyOne(tuple(members)))
        fixers = tuple(r for r in rules if isinstance(r, (ov.NotGreater, ov.RequiredWhen)))
        return _Struct(shape.name, members, required, groups, fixers)

    def _list(self, shape, budget, where, rules, location):
        lo, cap = _sizes(shape, rules)
        member = self.member(shape.member, budget, where.child("[]") if where is not None else None)
        if member is None:
            if lo:
                raise UnsatisfiableShape(f"{shape.name} needs {lo} members beyond the recursion bound")
            return st.just([])
        unique = self.shape_rules.get(shape.name)
        by = [r for r in (*rules, unique) if isinstance(r, ov.UniqueBy)]
        if by:
            k = by[0].key
            return st.lists(member, min_size=lo, max_size=cap, unique_by=lambda d, k=k: d.get(k))
        return st.lists(member, min_size=lo, max_size=cap)

    def _map(self, shape, budget, where, rules, location):
        lo, cap = _sizes(shape, rules)
        keys = self.shape(shape.key, budget)
        values = self.member(shape.value, budget, where.child("{}") if where is not None else None)
        if values is None:
            if lo:
                raise UnsatisfiableShape(f"{shape.name} needs {lo} entries beyond the recursion bound")
            return st.just({})
        return st.dictionaries(keys, values, min_size=lo, max_size=cap)

    def at(self, operation_model: Any, parts: tuple[str, ...], table: Mapping[str, tuple[ov.Rule, ...]]) -> st.SearchStrategy[Any]:
        """The strategy of the value at the clause path ``parts`` of the input (member names,
        ``"[]"``, ``"{}"``, ``"{key}"``), built with the rules of ``table`` that lie below
        it, as the request's own strategy builds it there."""
        shape = operation_model.input_shape
        where: _Where | None = _Where.top(table)
        budget = MAX_DEPTH
        for part in parts:
            if shape.name in self.recursive:
                budget -= 1
            if part == "[]":
                shape = shape.member
            elif part == "{}":
                shape = shape.value
            elif part == "{key}":
                shape, where = shape.key, None
                continue
            else:
                shape = shape.members[part]
            where = where.child(part) if where is not None else None
        return _or_nothing(self.shape(shape, budget, where))

    def _string(self, shape, budget, where, rules, location):
        if shape.enum:
            return _Choice(list(shape.enum))
        lo = shape.metadata.get("min", 0)
        if shape.serialization.get("hostLabel") or location == "uri":
            lo = max(lo, 1)  # botocore: a host label has an implicit min 1; a URI label can't be empty
        hi = shape.metadata.get("max")
        header = location in _HEADER_LOCATIONS
        pattern = shape.metadata.get("pattern")
        if pattern:
            try:
                return pattern_strategy(pattern, lo, hi, header)
            except PatternError as exc:
                raise UnsatisfiableShape(f"{shape.name}: {exc}") from None
        cap = lo + EXTRA_CHARS if hi is None else min(hi, lo + EXTRA_CHARS)
        return _Text(_HEADER_CHARS if header else _BODY_CHARS, lo, cap)

    def _integer(self, shape, budget, where, rules, location):
        lo_t, hi_t = _INT_BOUNDS[shape.type_name]
        lo = max(lo_t, int(shape.metadata.get("min", lo_t)))
        hi = min(hi_t, int(shape.metadata.get("max", hi_t)))
        return _Integer(lo, hi)

    _long = _integer

    def _double(self, shape, budget, where, rules, location):
        return st.floats(
            shape.metadata.get("min"),
            shape.metadata.get("max"),
            allow_nan=False,
            allow_infinity=False,
            width=32 if shape.type_name == "float" else 64,
        )

    _float = _double

    def _boolean(self, shape, budget, where, rules, location):
        return st.booleans()

    def _timestamp(self, shape, budget, where, rules, location):
        return _Timestamp(*_TIMESTAMP_RANGE)

    def _blob(self, shape, budget, where, rules, location):
        lo = shape.metadata.get("min", 0)
        hi = shape.metadata.get("max")
        cap = lo + EXTRA_CHARS if hi is None else min(hi, lo + EXTRA_CHARS)
        return st.binary(min_size=lo, max_size=cap)

    def _document(self, shape, budget, where, rules, location):
        return st.recursive(
            st.none()
            | st.booleans()
            | st.integers(-(2**31), 2**31 - 1)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(_BODY_CHARS, max_size=20),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(_BODY_CHARS, max_size=10), inner, max_size=3),
            max_leaves=6,
        )


def _sizes(shape: Any, rules: tuple[ov.Rule, ...]) -> tuple[int, int]:
    """Entries a list or map draws: the model's minimum (at least one under NonEmpty) up to
    EXTRA_ITEMS more within its maximum."""
    lo = shape.metadata.get("min", 0)
    if any(isinstance(r, ov.NonEmpty) for r in rules):
        lo = max(lo, 1)
    hi = shape.metadata.get("max")
    return lo, lo + EXTRA_ITEMS if hi is None else min(hi, lo + EXTRA_ITEMS)


def _from_millis(ms: int) -> _dt.datetime:
    return _EPOCH_CENTRE + _dt.timedelta(milliseconds=ms)


_EPOCH_CENTRE = _dt.datetime(2021, 6, 28, tzinfo=_dt.timezone.utc)
#: Aware UTC datetimes, whole milliseconds, 2000..2099: one integer choice per timestamp
#: (``st.datetimes`` spends seven), shrinking towards 2021-06-28T00:00:00Z.
_TIMESTAMP_RANGE = (
    int((_EPOCH_MIN - _EPOCH_CENTRE).total_seconds() * 1000),
    int((_EPOCH_MAX - _EPOCH_CENTRE).total_seconds() * 1000),
)


def _or_nothing(strategy: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Any]:
    return st.nothing() if strategy is None else strategy


def _get(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


_MISSING = object()


class _Leaf(SearchStrategy[Any]):
    """A value of one choice. Structures draw leaves inline (no span of their own: a span
    around a single choice gives the shrinker and mutator nothing, and costs per example)."""

    def draw_inline(self, data: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def do_draw(self, data: Any) -> Any:
        return self.draw_inline(data)


class _Choice(_Leaf):
    """One of ``values`` (an enum), shrinking to the first."""

    def __init__(self, values: list[Any]) -> None:
        super().__init__()
        self.values = values

    def __repr__(self) -> str:
        return f"sampled_from({self.values!r:.80})"

    def draw_inline(self, data: Any) -> Any:
        return self.values[data.draw_integer(0, len(self.values) - 1)]


class _Integer(_Leaf):
    """Integers in ``[lo, hi]``, bounds weighted up as ``st.integers`` does, shrinking to 0
    (or the bound nearest to it)."""

    def __init__(self, lo: int, hi: int) -> None:
        super().__init__()
        self.lo, self.hi = lo, hi
        self.towards = min(max(0, lo), hi)
        self.weights = (
            {lo: 2 / 128, lo + 1: 1 / 128, hi - 1: 1 / 128, hi: 2 / 128} if hi - lo > 127 else None
        )

    def __repr__(self) -> str:
        return f"integers({self.lo}, {self.hi})"

    def draw_inline(self, data: Any) -> int:
        return data.draw_integer(self.lo, self.hi, weights=self.weights, shrink_towards=self.towards)


class _Timestamp(_Integer):
    """Aware UTC datetimes, whole milliseconds, 2000..2099, shrinking to 2021-06-28."""

    def __repr__(self) -> str:
        return "timestamps()"

    def draw_inline(self, data: Any) -> _dt.datetime:
        return _from_millis(data.draw_integer(self.lo, self.hi, shrink_towards=0))


class _Text(_Leaf):
    """Text of one character class (as ``st.text``: one string choice)."""

    def __init__(self, alphabet: Any, lo: int, hi: int) -> None:
        super().__init__()
        alphabet = getattr(alphabet, "wrapped_strategy", alphabet)  # st.characters() is lazy
        self.intervals, self.lo, self.hi = alphabet.intervals, lo, hi

    def __repr__(self) -> str:
        return f"text({len(self.intervals)} ranges, {self.lo}..{self.hi})"

    def draw_inline(self, data: Any) -> str:
        return data.draw_string(self.intervals, min_size=self.lo, max_size=self.hi)


class _Struct(SearchStrategy[dict]):
    """A structure: required members; the optional ones chosen by one integer drawn as a
    bit mask (each member present half of the time; shrinking the integer towards 0 leaves
    the fewest and earliest members a failure needs); one member of each ExactlyOne group
    (weighted; shrinking to the first); then the fix-ups of the cross-field rules.
    ``st.fixed_dictionaries`` draws a choice per optional key plus a shuffle draw per key
    and tracks labels, which costs about twice as much per example."""

    def __init__(self, name, members, required, groups, fixers):
        super().__init__()
        self.name = name
        self.members = members
        grouped = {m for g in groups for m in g.members}
        self.required = [(k, s) for k, s in members.items() if k in required and k not in grouped]
        self.optional = [(k, s) for k, s in members.items() if k not in required and k not in grouped]
        self.groups = [
            [m for m, w in zip(g.members, g.weights or (1,) * len(g.members)) for _ in range(w) if m in members]
            for g in groups
        ]
        self.fixers = fixers

    def __repr__(self) -> str:
        return f"structure({self.name})"

    def do_draw(self, data):
        out = {}
        for key, strategy in self.required:
            out[key] = strategy.draw_inline(data) if isinstance(strategy, _Leaf) else data.draw(strategy)
        optional = self.optional
        if len(optional) > 1:
            mask = data.draw_integer(0, (1 << len(optional)) - 1)
            for i, (key, strategy) in enumerate(optional):
                if mask >> i & 1:
                    out[key] = strategy.draw_inline(data) if isinstance(strategy, _Leaf) else data.draw(strategy)
        elif optional and data.draw_boolean(0.5):
            key, strategy = optional[0]
            out[key] = strategy.draw_inline(data) if isinstance(strategy, _Leaf) else data.draw(strategy)
        for picks in self.groups:
            key = picks[data.draw_integer(0, len(picks) - 1)] if len(picks) > 1 else picks[0]
            out[key] = data.draw(self.members[key])
        for rule in self.fixers:
            if isinstance(rule, ov.NotGreater):
                a, b = out.get(rule.lesser), out.get(rule.greater)
                if a is not None and b is not None and a > b:
                    out[rule.lesser], out[rule.greater] = b, a
            elif _get(out, rule.when) in rule.equals and rule.member not in out:
                out[rule.member] = data.draw(self.members[rule.member])
        return out


_builders: weakref.WeakKeyDictionary[Any, Builder] = weakref.WeakKeyDictionary()


def builder_for(service_model: Any) -> Builder:
    """The (cached) :class:`Builder` of a service model."""
    try:
        return _builders[service_model]
    except KeyError:
        b = _builders[service_model] = Builder(service_model)
        return b
