"""Model patterns (Java/ECMA flavour) translated to Python ``re``.

The botocore models carry the ``pattern`` trait of the service's Smithy model with the
anchors stripped: a value conforms when the whole string matches (``fullmatch``). The
dialect is not Python's, so every pattern goes through :func:`translate` first:

====================  ======================================================
Java / ECMA           Python
====================  ======================================================
``\\p{L}``, ``\\pN``    an explicit class of the Unicode general category
``\\p{IsL}``           same, ``Is`` prefix dropped
``\\p{Alnum}`` ...     the POSIX class, ASCII only (as in Java)
``\\P{..}``            the negated class (outside a ``[...]`` only)
``\\uD800\\uDC00``      surrogate pairs become one astral code point
``\\x{1F600}``         ``\\U0001F600``
``\\z``                ``\\Z``
``\\Q..\\E``           the escaped literal
``(?<name>``          ``(?P<name>``
``$`` + quantifier    ``$`` (Java accepts ``$${1,128}``, Python does not)
``\\d \\w \\s``         explicit ASCII classes, as in Java and ECMA (``\\S \\D \\W``
                      as their complements, also inside a ``[...]``)
====================  ======================================================

Constructs with no Python equivalent (class intersection ``&&``, nested classes,
Unicode blocks ``\\p{InGreek}``) raise :class:`PatternError`; :data:`UNTRANSLATABLE`
would list the model patterns affected (none in the SageMaker, S3 and DynamoDB models).
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import unicodedata
import warnings

__all__ = ["PatternError", "compile_pattern", "translate", "translation_notes"]


class PatternError(ValueError):
    """A model pattern that has no faithful Python translation."""


#: Java POSIX classes (``\p{Alnum}`` ...): ASCII only unless UNICODE_CHARACTER_CLASS.
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": r"\x00-\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": r"!-/:-@\[-`{-~",
    "Graph": r"!-~",
    "Print": r" -~",
    "Blank": r" \t",
    "Cntrl": r"\x00-\x1f\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": r" \t\n\x0b\f\r",
}

#: Java and ECMA \d \w \s are ASCII; Python's are Unicode. Spelled out, so the same
#: source serves ``re`` and Hypothesis' ``from_regex`` (which reads ``re.ASCII`` as
#: "ASCII only" for the whole pattern). Negated ones inside a class become the complement.
_ASCII_CLASSES = {"d": "0-9", "w": "a-zA-Z0-9_", "s": r" \t\n\x0b\f\r",
                  "D": "0-9", "W": "a-zA-Z0-9_", "S": r" \t\n\x0b\f\r"}

def _complement_body(ranges: list[tuple[int, int]]) -> str:
    out, start = [], 0
    for a, b in sorted(ranges):
        if a > start:
            out.append(_span(start, a - 1))
        start = b + 1
    out.append(_span(start, sys.maxunicode))
    return "".join(out)


#: ``\S \D \W`` inside a class, spelled as the complement of the ASCII class.
_ASCII_COMPLEMENTS = {
    "D": lambda: _complement_body([(0x30, 0x39)]),
    "W": lambda: _complement_body([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]),
    "S": lambda: _complement_body([(0x09, 0x0D), (0x20, 0x20)]),
}

#: Unicode general categories Java knows by one or two letters.
_CATEGORIES = frozenset(
    "L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po "
    "S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn".split()
)

#: Patterns of the models used here that need no translation at all are the rule;
#: these are the constructs translate() rewrites, named for the coverage report.
_NOTES = {
    "unicode-category": r"\p{..} Unicode category expanded to explicit ranges",
    "posix-class": r"\p{Alnum}-style POSIX class (ASCII)",
    "surrogate-pair": r"\uD800\uDC00 surrogate pair -> one astral code point",
    "quantified-anchor": "quantifier after $ dropped",
    "named-group": "(?<name> -> (?P<name>",
    "ascii-classes": r"\d \w \s \b with ASCII semantics",
    "hex-brace": r"\x{..} -> \U........",
    "end-anchor": r"\z -> \Z",
    "quote": r"\Q..\E literal",
}


@functools.cache
def _category_ranges() -> dict[str, str]:
    """Class bodies (``a-z...``) for every general category, computed once when needed."""
    cats = map(unicodedata.category, map(chr, range(sys.maxunicode + 1)))
    spans: dict[str, list[list[int]]] = {}
    start = 0
    for cat, run in itertools.groupby(cats):
        end = start + sum(1 for _ in run) - 1
        for key in (cat, cat[0]):
            ranges = spans.setdefault(key, [])
            if ranges and ranges[-1][1] == start - 1:
                ranges[-1][1] = end
            else:
                ranges.append([start, end])
        start = end + 1
    return {key: "".join(_span(a, b) for a, b in ranges) for key, ranges in spans.items()}


def _esc(cp: int) -> str:
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def _span(a: int, b: int) -> str:
    return _esc(a) if a == b else f"{_esc(a)}-{_esc(b)}"


#: Code points generation draws ``\p{..}`` classes from: ASCII, Latin-1, Greek, combining
#: marks, some CJK and fullwidth forms. Expanding a category to all its ranges makes
#: Hypothesis' regex strategy crawl, and a subset of a class is still inside it.
_GENERATION_SAMPLE = (
    list(range(0x20, 0x7F)) + list(range(0xA0, 0x180)) + list(range(0x300, 0x310))
    + list(range(0x391, 0x3CA)) + [0x2028, 0x2029, 0x3000] + list(range(0x4E00, 0x4E20))
    + list(range(0xFF10, 0xFF1A)) + [0x1F600]
)


@functools.cache
def _generation_ranges() -> dict[str, str]:
    spans: dict[str, list[int]] = {}
    for cp in _GENERATION_SAMPLE:
        cat = unicodedata.category(chr(cp))
        for key in (cat, cat[0]):
            spans.setdefault(key, []).append(cp)
    return {key: "".join(_esc(cp) for cp in cps) for key, cps in spans.items()}


def _property(name: str, generation: bool = False) -> tuple[str, str]:
    """Class body for ``\\p{name}`` and the note it deserves."""
    if name in _POSIX:
        return _POSIX[name], "posix-class"
    bare = name[2:] if name.startswith("Is") and name[2:] in _CATEGORIES else name
    if bare in _CATEGORIES:
        if generation and bare in _generation_ranges():
            return _generation_ranges()[bare], "unicode-category"
        return _category_ranges().get(bare, ""), "unicode-category"
    raise PatternError(f"unsupported property class \\p{{{name}}}")


def _scan(pattern: str, generation: bool = False) -> tuple[str, tuple[str, ...]]:
    out: list[str] = []
    notes: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    class_start = 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise PatternError("pattern ends with a lone backslash")
            e = pattern[i + 1]
            if e in "pP":
                if i + 2 < n and pattern[i + 2] == "{":
                    end = pattern.find("}", i + 3)
                    if end < 0:
                        raise PatternError(f"unterminated \\{e}{{ at {i}")
                    name, i = pattern[i + 3 : end], end + 1
                else:
                    name, i = pattern[i + 2 : i + 3], i + 3
                body, note = _property(name, generation and e == "p")
                notes.append(note)
                if in_class:
                    if e == "P":
                        raise PatternError(f"\\P{{{name}}} inside a character class")
                    out.append(body)
                else:
                    out.append(("[^" if e == "P" else "[") + body + "]")
                continue
            if e == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", pattern[i + 2 : i + 6]):
                hi = int(pattern[i + 2 : i + 6], 16)
                lo_m = re.match(r"\\u([dD][c-fC-F][0-9a-fA-F]{2})", pattern[i + 6 : i + 12])
                if 0xD800 <= hi <= 0xDBFF and lo_m:
                    lo = int(lo_m.group(1), 16)
                    out.append(_esc(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)))
                    notes.append("surrogate-pair")
                    i += 12
                else:
                    out.append(pattern[i : i + 6])
                    i += 6
                continue
            if e == "x" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i + 3)
                out.append(_esc(int(pattern[i + 3 : end], 16)))
                notes.append("hex-brace")
                i = end + 1
                continue
            if e == "z":
                out.append(r"\Z")
                notes.append("end-anchor")
                i += 2
                continue
            if e == "Q":
                end = pattern.find(r"\E", i + 2)
                end = n if end < 0 else end
                out.append(re.escape(pattern[i + 2 : end]))
                notes.append("quote")
                i = end + 2
                continue
            if e in _ASCII_CLASSES:
                body = _ASCII_CLASSES[e]
                if in_class:
                    out.append(_ASCII_COMPLEMENTS[e]() if e.isupper() else body)
                else:
                    out.append(f"[^{body}]" if e.isupper() else f"[{body}]")
                notes.append("ascii-classes")
                i += 2
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and i > class_start:
                in_class = False
            elif c == "[":
                raise PatternError(f"nested character class at {i} (Java union)")
            elif pattern.startswith("&&", i):
                raise PatternError(f"character class intersection && at {i}")
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            class_start = i
            if i < n and pattern[i] == "]":  # a literal ] first in a class
                out.append(r"\]")
                i += 1
            continue
        if c == "$":
            m = re.match(r"\$(\{\d*(,\d*)?\}|[*+?])", pattern[i:])
            out.append("$")
            if m:
                notes.append("quantified-anchor")
                i += m.end()
            else:
                i += 1
            continue
        if pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            notes.append("named-group")
            i += 3
            continue
        out.append(c)
        i += 1
    if in_class:
        raise PatternError("unterminated character class")
    return "".join(out), tuple(dict.fromkeys(notes))


@functools.cache
def translate(pattern: str) -> str:
    """The Python ``re`` source for a model pattern (see the module table)."""
    return _scan(pattern)[0]


@functools.cache
def translate_for_generation(pattern: str) -> str:
    """Like :func:`translate`, with ``\\p{..}`` narrowed to a sample of its category (every
    string it matches, the full translation matches)."""
    return _scan(pattern, generation=True)[0]


@functools.cache
def translation_notes(pattern: str) -> tuple[str, ...]:
    """Which translations :func:`translate` applies to ``pattern`` (empty: used as is,
    but for ``ascii-classes``, which only changes the flags)."""
    return _scan(pattern)[1]


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled translation; use ``.fullmatch``. Raises :class:`PatternError`."""
    source = translate(pattern)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile(source)
    except re.error as exc:
        raise PatternError(f"{pattern!r} does not compile as {source!r}: {exc}") from None


def describe(note: str) -> str:
    return _NOTES[note]


#: SageMaker string shapes whose pattern does not generate, with the reason (the pattern
#: coverage test fails on any other, and on an entry here that generates again).
GENERATION_EXCEPTIONS: dict[str, str] = {}
