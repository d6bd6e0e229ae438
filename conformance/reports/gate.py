"""The CI regression gate: a current report against its baseline, id by id.

The run records everything; the gate compares afterwards, id by id (ids are stable across
runs). Exit 1 when a result that passed in the baseline no longer passes, or a baseline
result disappeared; exit 0 otherwise, listing improvements, new results and other changes.
The output ends with the exact command that accepts the current state (``--update``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .markdown import ICON as _ICON

#: Per-result members left out of a baseline: they change on every run (timings, generated
#: names in examples) and would make every baseline update a noisy diff. Messages stay.
_VOLATILE = ("duration_s", "example")


@dataclass
class Verdict:
    """The comparison of one current report with its baseline, id by id."""

    regressed: list[tuple[dict, dict]] = field(default_factory=list)  # (baseline, current)
    disappeared: list[dict] = field(default_factory=list)
    improved: list[tuple[dict, dict]] = field(default_factory=list)
    changed: list[tuple[dict, dict]] = field(default_factory=list)  # other outcome changes
    new: list[dict] = field(default_factory=list)
    unchanged: int = 0
    #: results flaky now: failed once, held when run again. Not a regression (compared as
    #: passed), but listed, so a flaky clause is seen.
    flaky: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.regressed or self.disappeared)


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> Verdict:
    before = {r["id"]: r for r in baseline["results"]}
    after = {r["id"]: r for r in current["results"]}
    verdict = Verdict()
    for rid in sorted(before.keys() | after.keys()):
        old, now = before.get(rid), after.get(rid)
        if now is not None and now["outcome"] == "flaky":
            verdict.flaky.append(now)
        old, now = _held(old), _held(now)
        if now is None:
            verdict.disappeared.append(old)
        elif old is None:
            verdict.new.append(now)
        elif old["outcome"] == now["outcome"]:
            verdict.unchanged += 1
        elif old["outcome"] == "passed":
            verdict.regressed.append((old, now))
        elif now["outcome"] == "passed":
            verdict.improved.append((old, now))
        else:
            verdict.changed.append((old, now))
    return verdict


def _held(result: dict | None) -> dict | None:
    """A flaky result compared as what it was when run again: passed."""
    return dict(result, outcome="passed") if result and result["outcome"] == "flaky" else result


def _first_line(message: Any, limit: int = 200) -> str:
    line = next((ln.strip() for ln in str(message or "").splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def render(verdict: Verdict, baseline: dict, current: dict, accept: str) -> str:
    lines: list[str] = []
    b, c = baseline["backend"], current["backend"]
    if b.get("kind") != c.get("kind"):
        lines.append(f"warning: baseline is for backend {b.get('kind')!r}, current run is "
                     f"{c.get('kind')!r}; ids are comparable, verdicts may not be")

    def move(old: dict | None, now: dict | None) -> str:
        return (f"{_ICON[old and old['outcome']]} {old['outcome'] if old else 'absent'} -> "
                f"{_ICON[now and now['outcome']]} {now['outcome'] if now else 'absent'}")

    def section(title: str, rows: list[str]) -> None:
        if rows:
            lines.extend(["", f"{title} ({len(rows)}):", *rows])

    section("REGRESSED: passed in the baseline, not now", [
        f"  {now['id']}: {move(old, now)}" + (f"\n      {_first_line(now.get('message'))}"
                                             if now.get("message") else "")
        for old, now in verdict.regressed])
    section("DISAPPEARED: in the baseline, not in the current run", [
        f"  {old['id']}: was {_ICON[old['outcome']]} {old['outcome']}" for old in verdict.disappeared])
    section("Improved", [f"  {now['id']}: {move(old, now)}" for old, now in verdict.improved])
    section("Changed (neither passing)", [f"  {now['id']}: {move(old, now)}" for old, now in verdict.changed])
    section("New (not in the baseline)", [
        f"  {now['id']}: {_ICON[now['outcome']]} {now['outcome']}" for now in verdict.new])
    section("Flaky (failed once, held when run again; not a regression)", [
        f"  {now['id']}: {_ICON['flaky']} {_first_line(now.get('message'))}" for now in verdict.flaky])
    counts = (f"{len(verdict.regressed)} regressed, {len(verdict.disappeared)} disappeared, "
              f"{len(verdict.improved)} improved, {len(verdict.changed)} changed, "
              f"{len(verdict.new)} new, {verdict.unchanged} unchanged"
              + (f", {len(verdict.flaky)} flaky" if verdict.flaky else ""))
    lines.append("")
    if verdict.failed:
        lines.append(f"gate: FAILED ({counts})")
        lines.append("If these changes are intended, accept them with:")
        lines.append(f"  {accept}")
    elif verdict.improved or verdict.changed or verdict.new:
        lines.append(f"gate: passed ({counts})")
        what = [w for w, n in (("improved", verdict.improved), ("changed", verdict.changed), ("new", verdict.new)) if n]
        lines.append(f"To record the {', '.join(what)} results in the baseline:")
        lines.append(f"  {accept}")
    else:
        lines.append(f"gate: passed ({counts}); the baseline matches")
    return "\n".join(lines).lstrip("\n") + "\n"


def baseline_of(current: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``current`` fit to commit: results without their volatile members."""
    out = dict(current)
    out["results"] = [{k: v for k, v in r.items() if k not in _VOLATILE} for r in current["results"]]
    return out


