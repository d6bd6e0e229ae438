"""Strings matching a (translated) pattern, drawn a run at a time.

``st.from_regex`` draws a character per choice, so a 40-character ARN costs 40 choices
and their bookkeeping. Here the parse tree of the pattern becomes: literals as constants,
a repeated character class as one ``st.text`` draw (a single choice in Hypothesis' IR),
groups and sequences as tuples joined, alternatives as ``one_of``. Characters come from
the class intersected with :data:`BODY_SAFE` (no controls, surrogates or private use),
unless that leaves nothing. Every result is checked with ``fullmatch``; constructs this
does not model (backreferences, ``\\b``, flags) fall back to ``from_regex``; lookarounds
draw nothing and are left to the filter.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

try:
    import re._constants as C  # Python 3.11+
    import re._parser as P
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

try:
    from hypothesis.internal.intervalsets import IntervalSet
    from hypothesis.strategies._internal.strings import OneCharStringStrategy
except ImportError:  # pragma: no cover - a Hypothesis without these internals
    IntervalSet = None  # type: ignore[assignment,misc]

__all__ = ["BODY_SAFE", "HEADER_SAFE", "Unsupported", "pattern_text"]

MAXCODE = 0x10FFFF
#: Characters a JSON/XML body takes without trouble.
BODY_SAFE = ((0x20, 0x7E), (0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFFD), (0x10000, 0x1FFFD))
#: Headers and query strings.
HEADER_SAFE = ((0x20, 0x7E),)
#: A run of one class draws at most this many characters beyond its minimum, a repeated
#: group this many repetitions (larger bounds only cost time; the subset still matches).
OPEN_END = 16
OPEN_ITEMS = 3

_SPACE = ((9, 13), (32, 32))
_DIGIT = ((48, 57),)
_WORD = ((48, 57), (65, 90), (95, 95), (97, 122))
_CATEGORY = {
    C.CATEGORY_DIGIT: (_DIGIT, False),
    C.CATEGORY_NOT_DIGIT: (_DIGIT, True),
    C.CATEGORY_SPACE: (_SPACE, False),
    C.CATEGORY_NOT_SPACE: (_SPACE, True),
    C.CATEGORY_WORD: (_WORD, False),
    C.CATEGORY_NOT_WORD: (_WORD, True),
}


class Unsupported(Exception):
    """A construct this generator leaves to ``st.from_regex``."""


def _normalise(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, start = [], 0
    for a, b in _normalise(ranges):
        if a > start:
            out.append((start, a - 1))
        start = b + 1
    if start <= MAXCODE:
        out.append((start, MAXCODE))
    return out


def _intersect(x: list[tuple[int, int]], y: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    out = []
    for a, b in x:
        for c, d in y:
            lo, hi = max(a, c), min(b, d)
            if lo <= hi:
                out.append((lo, hi))
    return _normalise(out)


class _Gen:
    def __init__(self, safe: tuple[tuple[int, int], ...]) -> None:
        self.safe = safe

    def chars(self, ranges: list[tuple[int, int]]) -> st.SearchStrategy[str]:
        """One character of ``ranges`` (preferring the safe ones)."""
        ranges = _normalise(ranges)
        if not ranges:
            raise Unsupported("empty character class")
        safe = _intersect(ranges, self.safe) or ranges
        return OneCharStringStrategy(IntervalSet(safe))

    def class_ranges(self, code: Any, value: Any) -> list[tuple[int, int]] | None:
        """The code points of a single-character node, or None if it is not one."""
        if code == C.LITERAL:
            return [(value, value)]
        if code == C.NOT_LITERAL:
            return _complement([(value, value)])
        if code == C.ANY:
            return _complement([(10, 10)])
        if code == C.IN:
            ranges: list[tuple[int, int]] = []
            negate = False
            for c, v in value:
                if c == C.NEGATE:
                    negate = True
                elif c == C.LITERAL:
                    ranges.append((v, v))
                elif c == C.RANGE:
                    ranges.append(v)
                elif c == C.CATEGORY:
                    base, neg = _CATEGORY[v]
                    ranges.extend(_complement(list(base)) if neg else base)
                else:
                    raise Unsupported(f"class item {c}")
            return _complement(ranges) if negate else _normalise(ranges)
        return None

    def seq(self, items: Any) -> st.SearchStrategy[str]:
        parts: list[Any] = []
        literal = []
        for code, value in items:
            if code == C.LITERAL:
                literal.append(chr(value))
                continue
            if literal:
                parts.append("".join(literal))
                literal = []
            if code in (C.ASSERT, C.ASSERT_NOT):
                continue  # lookarounds constrain, they draw nothing: the fullmatch filter decides
            if code == C.AT:
                if value in (C.AT_BEGINNING, C.AT_BEGINNING_STRING, C.AT_END, C.AT_END_STRING):
                    continue
                raise Unsupported(f"anchor {value}")
            parts.append(self.node(code, value))
        if literal:
            parts.append("".join(literal))
        if not parts:
            return st.just("")
        if len(parts) == 1:
            return st.just(parts[0]) if isinstance(parts[0], str) else parts[0]
        return st.tuples(*(st.just(p) if isinstance(p, str) else p for p in parts)).map("".join)

    def node(self, code: Any, value: Any) -> st.SearchStrategy[str]:
        ranges = self.class_ranges(code, value)
        if ranges is not None:
            return self.chars(ranges)
        if code in (C.MAX_REPEAT, C.MIN_REPEAT) or code == getattr(C, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = value
            if len(sub) == 1:
                inner = self.class_ranges(*sub[0])
                if inner is not None:
                    hi = lo + OPEN_END if hi == C.MAXREPEAT else min(hi, lo + OPEN_END)
                    return st.text(self.chars(inner), min_size=lo, max_size=hi)
            hi = lo + OPEN_ITEMS if hi == C.MAXREPEAT else min(hi, lo + OPEN_ITEMS)
            return st.lists(self.seq(sub), min_size=lo, max_size=hi).map("".join)
        if code == C.SUBPATTERN:
            group, add_flags, del_flags, sub = value
            if add_flags or del_flags:
                raise Unsupported("inline flags")
            return self.seq(sub)
        if code == getattr(C, "ATOMIC_GROUP", None):
            return self.seq(value)
        if code == C.BRANCH:
            return st.one_of([self.seq(b) for b in value[1]])
        raise Unsupported(str(code))


def pattern_text(regex: re.Pattern[str], header: bool = False) -> st.SearchStrategy[str]:
    """Strings that ``regex.fullmatch``. Raises :class:`Unsupported` for what it leaves
    to ``st.from_regex``."""
    if IntervalSet is None:  # pragma: no cover
        raise Unsupported("Hypothesis internals unavailable")
    if regex.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE):
        raise Unsupported("flags")
    tree = P.parse(regex.pattern, regex.flags)
    strategy = _Gen(HEADER_SAFE if header else BODY_SAFE).seq(list(tree))
    from ._nfa import safe_fullmatch

    match = safe_fullmatch(regex)
    return validated_filter(strategy, lambda s: bool(match(s)))


def validated_filter(strategy: st.SearchStrategy[Any], condition: Any) -> st.SearchStrategy[Any]:
    """``strategy.filter(condition)``, validated now and not again at every draw.

    Hypothesis (6.155) re-initialises a ``FilteredStrategy`` in its own ``do_validate``, which
    clears the flag that says it was validated: every ``data.draw`` of it validated it again
    (rewriting the filter, parsing the lambda's source for numeric bounds), about a tenth of
    the time a CreateCompilationJob request takes to draw. The same strategy object, class
    and label (so the same choices and spans, and the same derandomized examples): only
    the repeated validation is skipped."""
    filtered = strategy.filter(condition)
    filtered.validate()
    # Callers may draw the lazy wrapper or (st.builds, st.tuples unwrap their arguments) the
    # strategy inside it: mark each layer whose flag did not stick.
    layer: Any = filtered
    while layer is not None:
        if getattr(layer, "validate_called", None) == {}:
            layer.validate = _already_validated
        layer = getattr(layer, "wrapped_strategy", None)
    return filtered


def _already_validated() -> None:
    return None


def class_chars(atom: str, header: bool = False) -> st.SearchStrategy[str]:
    """One character of the single-character pattern ``atom`` (``[a-z-]``, ``.``, ``\\S``),
    preferring safe ones. Raises :class:`Unsupported` for anything else."""
    if IntervalSet is None:  # pragma: no cover
        raise Unsupported("Hypothesis internals unavailable")
    gen = _Gen(HEADER_SAFE if header else BODY_SAFE)
    tree = list(P.parse(atom))
    if len(tree) != 1:
        raise Unsupported("not a single character")
    ranges = gen.class_ranges(*tree[0])
    if ranges is None:
        raise Unsupported("not a single character")
    return gen.chars(ranges)
