"""Backtracking-free matching for the few model patterns that make ``re`` explode.

Some model patterns nest ambiguous quantifiers (``[a-z0-9]([-a-z0-9]*[a-z0-9]){0,39}?``):
Python's backtracking ``re`` takes exponential time on a long string that almost matches,
which would hang a response check on an emulator's output. :func:`safe_fullmatch` probes
a pattern once: if ``re`` slows down exponentially on near misses built from its own
characters, the pattern is matched by a Thompson NFA simulation instead (linear in the
string; counted repetitions unrolled). Every other pattern keeps ``re``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable

from ._regexgen import C, P, Unsupported, _Gen

__all__ = ["dangerous", "safe_fullmatch"]

#: Counted repetitions are unrolled up to this many optional copies; a larger upper bound
#: is treated as unbounded (in the models, the string's max length is the tighter bound).
MAX_UNROLL = 200
_PROBE_CHARS = "a0-._/ :A"


class _Machine:
    def __init__(self) -> None:
        self.ranges: list[tuple[tuple[int, int], ...] | None] = []
        self.next: list[int] = []
        self.eps: list[list[int]] = []
        self.gen = _Gen(((0, 0x10FFFF),))

    def state(self) -> int:
        self.ranges.append(None)
        self.next.append(-1)
        self.eps.append([])
        return len(self.ranges) - 1

    def seq(self, items, start: int) -> int:
        for code, value in items:
            start = self.node(code, value, start)
        return start

    def node(self, code, value, start: int) -> int:
        ranges = self.gen.class_ranges(code, value)
        if ranges is not None:
            end = self.state()
            self.ranges[start] = tuple(ranges)
            self.next[start] = end
            return end
        if code == C.AT and value in (C.AT_BEGINNING, C.AT_BEGINNING_STRING, C.AT_END, C.AT_END_STRING):
            return start
        if code == C.SUBPATTERN:
            if value[1] or value[2]:
                raise Unsupported("inline flags")
            return self.seq(value[3], start)
        if code == getattr(C, "ATOMIC_GROUP", None):
            return self.seq(value, start)
        if code == C.BRANCH:
            end = self.state()
            for branch in value[1]:
                s = self.state()
                self.eps[start].append(s)
                self.eps[self.seq(branch, s)].append(end)
            return end
        if code in (C.MAX_REPEAT, C.MIN_REPEAT) or code == getattr(C, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = value
            if lo > MAX_UNROLL:
                raise Unsupported("repetition too large to unroll")
            if hi != C.MAXREPEAT and hi - lo > MAX_UNROLL:
                hi = C.MAXREPEAT
            for _ in range(lo):
                start = self.seq(sub, start)
            if hi == C.MAXREPEAT:
                end = self.state()
                body = self.state()
                self.eps[start] += [body, end]
                self.eps[self.seq(sub, body)].append(start)
                return end
            end = self.state()
            for _ in range(hi - lo):
                body = self.state()
                self.eps[start] += [body, end]
                start = self.seq(sub, body)
            self.eps[start].append(end)
            return end
        raise Unsupported(str(code))


def _compile(regex: re.Pattern[str]) -> Callable[[str], bool]:
    machine = _Machine()
    start = machine.state()
    accept = machine.seq(list(P.parse(regex.pattern, regex.flags)), start)
    eps, ranges, nxt = machine.eps, machine.ranges, machine.next

    @functools.cache
    def closure(state: int) -> frozenset[int]:
        seen, todo = {state}, [state]
        while todo:
            for s in eps[todo.pop()]:
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return frozenset(seen)

    def fullmatch(text: str) -> bool:
        current = closure(start)
        for ch in text:
            code = ord(ch)
            following: set[int] = set()
            for s in current:
                r = ranges[s]
                if r is not None:
                    for a, b in r:
                        if a <= code <= b:
                            following |= closure(nxt[s])
                            break
            if not following:
                return False
            current = following
        return accept in current

    return fullmatch


def _star_height_2(items) -> bool:
    def walk(items, depth: int) -> bool:
        for code, value in items:
            if code in (C.MAX_REPEAT, C.MIN_REPEAT) or code == getattr(C, "POSSESSIVE_REPEAT", None):
                lo, hi, sub = value
                grows = hi == C.MAXREPEAT or hi > 1
                if walk(sub, depth + grows) or (depth + grows >= 2 and not _single(sub)):
                    return True
                if depth >= 1 and grows:
                    return True
            elif code == C.SUBPATTERN:
                if walk(value[3], depth):
                    return True
            elif code == C.BRANCH:
                if any(walk(b, depth) for b in value[1]):
                    return True
        return False

    return walk(list(items), 0)


def _single(sub) -> bool:
    return len(sub) == 1 and sub[0][0] in (C.LITERAL, C.IN, C.ANY, C.NOT_LITERAL)


def _minimal(items) -> str:
    """A short string the pattern (without lookarounds) matches: first choices everywhere."""
    gen = _Gen(((0, 0x10FFFF),))
    out = []
    for code, value in items:
        ranges = gen.class_ranges(code, value)
        if ranges is not None:
            out.append(chr(ranges[0][0]))
        elif code == C.SUBPATTERN:
            out.append(_minimal(value[3]))
        elif code == C.BRANCH:
            out.append(_minimal(value[1][0]))
        elif code in (C.MAX_REPEAT, C.MIN_REPEAT) or code == getattr(C, "POSSESSIVE_REPEAT", None):
            out.append(_minimal(value[2]) * value[0])
    return "".join(out)


def _probe(regex: re.Pattern[str], prefix: str, k: int) -> float:
    """The slowest ``re`` match over near misses: runs of one character (or two
    alternating), alone or after a minimal match, ending in a character that fails."""
    worst = 0.0
    for ch in _PROBE_CHARS:
        for stem in (ch, "a" + ch):
            run = (stem * k)[:k]
            for text in (run + "\x00", prefix + run + "\x00", prefix + run + "//\x00"):
                started = time.perf_counter()
                regex.fullmatch(text)
                worst = max(worst, time.perf_counter() - started)
    return worst


@functools.cache
def dangerous(regex: re.Pattern[str]) -> bool:
    """``re`` backtracks exponentially on this pattern (probed on near misses)."""
    try:
        tree = P.parse(regex.pattern, regex.flags)
        if not _star_height_2(tree):
            return False
        prefix = _minimal(list(tree))
    except (re.error, Unsupported, KeyError):
        return False
    small = _probe(regex, prefix, 10)
    large = _probe(regex, prefix, 15)
    return large > 5e-4 and large > 8 * max(small, 1e-6)


@functools.cache
def safe_fullmatch(regex: re.Pattern[str]) -> Callable[[str], object]:
    """A fullmatch function for ``regex``: ``regex.fullmatch`` unless that is dangerous
    and the NFA can be built. Returns a truthy value on a match."""
    if dangerous(regex):
        try:
            return _compile(regex)
        except Unsupported:
            pass
    return regex.fullmatch
