"""Pattern translation (Java/ECMA -> Python) and the coverage of the SageMaker model:
every string shape with a pattern generates values that fullmatch it within its length
bounds, but for the exceptions listed, with their reasons, in
``strategies._patterns.GENERATION_EXCEPTIONS``."""

from __future__ import annotations

import collections
import re

import botocore.session
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from strategies import _patterns as P
from strategies._shapes import pattern_strategy


@pytest.mark.parametrize(
    ("pattern", "matches", "rejects"),
    [
        (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", ["héllo wörld 12", "東京", ""], ["a!", "tab\t"]),
        (r"\p{Print}+", ["abc ~"], ["é", "\n"]),
        (r"arn:[\p{Alnum}\-]+:lambda:.*", ["arn:aws-cn:lambda:x"], ["arn:aws_cn:lambda:x"]),
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", ["a\t😀"], ["\n"]),
        (r"([\p{L}]*)${1,128}", ["abc"], ["1"]),
        (r"\d{12}", ["123456789012"], ["١٢٣٤٥٦٧٨٩٠١٢"]),  # ASCII digits only, as in Java
        (r"[\w-]+", ["a_b-c"], ["é"]),
        (r"[\S\s]+", ["\xa0 x\n", "東"], []),  # \S is "not ASCII space" in Java: \xa0 is in it
        (r"\S+", ["\xa0"], [" ", "\t"]),
        (r"[^\W]+", ["a_1"], ["é", "-"]),
        (r"(?<id>[a-z]+)-\k<id>", [], []),
        (r"\Qa.b\E", ["a.b"], ["axb"]),
        (r"\x{41}\z", ["A"], ["A\n"]),
    ],
)
def test_translation(pattern: str, matches: list[str], rejects: list[str]) -> None:
    if r"\k<" in pattern:
        with pytest.raises(P.PatternError):
            P.compile_pattern(pattern)
        return
    rx = P.compile_pattern(pattern)
    for value in matches:
        assert rx.fullmatch(value), (pattern, value, P.translate(pattern))
    for value in rejects:
        assert not rx.fullmatch(value), (pattern, value, P.translate(pattern))


@pytest.mark.parametrize("pattern", [r"[a-z&&[^b]]", r"[a[b]]", r"\p{InGreek}", r"[\P{L}]"])
def test_untranslatable_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(P.PatternError):
        P.compile_pattern(pattern)


def test_generation_narrowing_is_a_subset() -> None:
    """Generation draws \\p{..} from a sample of the category: all of it is in the category."""
    for cat in ("L", "N", "Z", "P", "S", "M", "Lu", "Ll", "Nd"):
        narrow = re.compile(P.translate_for_generation(rf"\p{{{cat}}}"))
        full = P.compile_pattern(rf"\p{{{cat}}}")
        sample = [chr(c) for c in P._GENERATION_SAMPLE if narrow.fullmatch(chr(c))]
        assert sample, cat
        assert all(full.fullmatch(ch) for ch in sample), cat


def _pattern_shapes():
    model = botocore.session.get_session().get_service_model("sagemaker")
    combos: dict[tuple, list[str]] = collections.defaultdict(list)
    for name in model.shape_names:
        shape = model.shape_for(name)
        pattern = shape.metadata.get("pattern")
        if shape.type_name == "string" and pattern and not shape.enum:
            combos[(pattern, shape.metadata.get("min", 0), shape.metadata.get("max"))].append(name)
    return combos


def _generates(pattern: str, lo: int, hi: int | None) -> str | None:
    """None if the pattern generates valid values, else why not."""
    try:
        rx = P.compile_pattern(pattern)
        strategy = pattern_strategy(pattern, lo, hi)
    except P.PatternError as exc:
        return f"untranslatable: {exc}"
    drawn: list[str] = []

    @settings(max_examples=5, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def draw(value: str) -> None:
        assert rx.fullmatch(value) and lo <= len(value) and (hi is None or len(value) <= hi), value
        drawn.append(value)

    try:
        draw()
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return None if drawn else "no value drawn"


def test_sagemaker_pattern_coverage(capsys) -> None:
    combos = _pattern_shapes()
    failures = {}
    notes: collections.Counter[str] = collections.Counter()
    for (pattern, lo, hi), names in combos.items():
        for note in P.translation_notes(pattern):
            notes[note] += 1
        reason = _generates(pattern, lo, hi)
        if reason is not None:
            for name in names:
                failures[name] = reason
    shapes = sum(len(n) for n in combos.values())
    generating = shapes - len(failures)
    with capsys.disabled():
        print(
            f"\nSageMaker pattern coverage: {generating}/{shapes} string shapes with a pattern generate "
            f"({len(combos)} distinct pattern/length combinations); translations applied: "
            + ", ".join(f"{k} x{v}" for k, v in sorted(notes.items()))
        )
        for name, reason in sorted(failures.items()):
            listed = P.GENERATION_EXCEPTIONS.get(name)
            print(f"  {'listed' if listed else 'NEW'}: {name}: {reason}" + (f" ({listed})" if listed else ""))
    unexplained = {n: r for n, r in failures.items() if n not in P.GENERATION_EXCEPTIONS}
    stale = set(P.GENERATION_EXCEPTIONS) - set(failures)
    assert not unexplained, f"patterns that do not generate, not in GENERATION_EXCEPTIONS: {unexplained}"
    assert not stale, f"GENERATION_EXCEPTIONS entries that generate now: {sorted(stale)}"
