"""Fixed strings for a model pattern: its shortest match, a match at least ``n`` long, and
its width, read off the parse tree of the translated pattern.

The invalid requests of a length clause need a value of the wrong length that still
matches the pattern (``"a" + "-" * 62 + "a"`` is 64 characters of EntityName's
``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``; ``"a" * 64`` would break the pattern too). These are
built, not drawn, so whether a clause can be broken alone is known before any draw and is
the same in every process. Every string made here is checked by the caller with
:func:`strategies.validate`; a construct this does not model raises :class:`Unsupported`.
"""

from __future__ import annotations

import functools
import math

from ._patterns import translate
from ._regexgen import BODY_SAFE, HEADER_SAFE, C, P, Unsupported, _Gen

__all__ = ["Unsupported", "at_least", "shortest", "width"]

_INF = math.inf
_ANCHORS = (C.AT_BEGINNING, C.AT_BEGINNING_STRING, C.AT_END, C.AT_END_STRING)
_ZERO_WIDTH = (C.ASSERT, C.ASSERT_NOT)
#: Characters a generated string prefers, in order, where the class allows them.
_PREFERRED = "a0A"


def _tree(pattern: str) -> list:
    try:
        return list(P.parse(translate(pattern)))
    except Exception as exc:  # re.error, PatternError: nothing to build from
        raise Unsupported(str(exc)) from None


def _pick(ranges: list[tuple[int, int]], safe: tuple[tuple[int, int], ...]) -> str:
    def inside(cp: int) -> bool:
        return any(a <= cp <= b for a, b in ranges)

    for c in _PREFERRED:
        if inside(ord(c)):
            return c
    for lo, hi in ((0x21, 0x7E),) + safe:
        for a, b in ranges:
            start = max(a, lo)
            if start <= min(b, hi):
                return chr(start)
    raise Unsupported("no safe character in the class")


class _Builder:
    def __init__(self, header: bool) -> None:
        self.safe = HEADER_SAFE if header else BODY_SAFE
        self.gen = _Gen(self.safe)

    def width(self, items: list) -> tuple[int, float]:
        lo, hi = 0, 0.0
        for code, value in items:
            a, b = self.node_width(code, value)
            lo, hi = lo + a, hi + b
        return lo, hi

    def node_width(self, code, value) -> tuple[int, float]:
        if self.gen.class_ranges(code, value) is not None:
            return 1, 1
        if code in (C.MAX_REPEAT, C.MIN_REPEAT) or code == getattr(C, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = value
            a, b = self.width(sub)
            top = _INF if hi == C.MAXREPEAT else hi
            return lo * a, (0 if b == 0 or top == 0 else top * b)
        if code == C.SUBPATTERN:
            return self.width(value[3])
        if code == getattr(C, "ATOMIC_GROUP", None):
            return self.width(value)
        if code == C.BRANCH:
            widths = [self.width(alt) for alt in value[1]]
            return min(w[0] for w in widths), max(w[1] for w in widths)
        if code in _ZERO_WIDTH or (code == C.AT and value in _ANCHORS):
            return 0, 0
        raise Unsupported(str(code))

    def seq(self, items: list, need: int) -> str:
        """A match of ``items``: at least ``need`` characters where they allow it (else as
        long as they go), otherwise as short as possible."""
        mins = [self.node_width(code, value)[0] for code, value in items]
        out, total = [], 0
        for i, (code, value) in enumerate(items):
            part = self.node(code, value, max(0, need - total - sum(mins[i + 1 :])))
            out.append(part)
            total += len(part)
        return "".join(out)

    def node(self, code, value, need: int) -> str:
        ranges = self.gen.class_ranges(code, value)
        if ranges is not None:
            return _pick(ranges, self.safe)
        if code in (C.MAX_REPEAT, C.MIN_REPEAT) or code == getattr(C, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = value
            top = _INF if hi == C.MAXREPEAT else hi
            a, b = self.width(sub)
            least = self.seq(sub, 0)
            if need <= lo * a or b == 0 or top == 0:
                return least * lo
            if b == _INF:  # one repetition stretched, the others as short as they go
                reps = max(lo, 1)
                return self.seq(sub, need - (reps - 1) * a) + least * (reps - 1)
            reps = int(min(top, max(lo, -(-need // int(b)))))
            return self.seq(sub, int(b)) * reps
        if code == C.SUBPATTERN:
            if value[1] or value[2]:
                raise Unsupported("inline flags")
            return self.seq(value[3], need)
        if code == getattr(C, "ATOMIC_GROUP", None):
            return self.seq(value, need)
        if code == C.BRANCH:
            made = [self.seq(alt, need) for alt in value[1]]
            long_enough = [m for m in made if len(m) >= need]
            return min(long_enough, key=len) if long_enough else max(made, key=len)
        if code in _ZERO_WIDTH or (code == C.AT and value in _ANCHORS):
            return ""  # a lookaround constrains, it adds nothing: the caller's check decides
        raise Unsupported(str(code))


@functools.cache
def width(pattern: str) -> tuple[int, float]:
    """The fewest and most characters a match of ``pattern`` has (``math.inf``: unbounded)."""
    return _Builder(False).width(_tree(pattern))


@functools.cache
def at_least(pattern: str, need: int, header: bool = False) -> str:
    """A match of ``pattern`` with at least ``need`` characters (and few more) if the
    pattern allows that many, else its longest; ``need=0`` gives the shortest match."""
    return _Builder(header).seq(_tree(pattern), need)


def shortest(pattern: str, header: bool = False) -> str:
    return at_least(pattern, 0, header)
