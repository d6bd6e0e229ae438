"""``conformance gate --baseline BASELINE CURRENT``: the CI regression gate.

The run records everything; the gate compares afterwards, id by id (ids are stable across
runs). Exit 1 when a result that passed in the baseline no longer passes, or a baseline
result disappeared; exit 0 otherwise, listing improvements, new results and other changes.
The output ends with the exact command that accepts the current state (``--update``).
"""

from __future__ import annotations

import argparse
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..reports import SCHEMA_PATH

SCHEMA_VERSION = 1
_ICON = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "💥", "flaky": "🔁", None: "—"}
#: Per-result members left out of a baseline: they change on every run (timings, generated
#: names in examples) and would make every baseline update a noisy diff. Messages stay.
_VOLATILE = ("duration_s", "example")


def load_report(path: str | Path) -> dict[str, Any]:
    """A report.json, checked: exists, is JSON, has this tool's schema_version, and satisfies
    report.schema.json. Anything else is a UsageError naming the file (exit 2)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or "results" not in data:
        raise UsageError(f"{path}: not a conformance report (no 'results')")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise UsageError(f"{path}: schema_version {version!r}, this tool reads {SCHEMA_VERSION}; "
                         "re-run the suite with this version to get a comparable report")
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "<root>"
        raise UsageError(f"{path}: not a valid report: at {where}: {error.message[:200]}")
    ids = [r["id"] for r in data["results"]]
    if len(ids) != len(set(ids)):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise UsageError(f"{path}: not a valid report: duplicate result id(s) {', '.join(dup[:3])}")
    from ..reports import from_json

    return from_json(data)  # a flaky result (passed with its flaky record) is flaky again


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", required=True, metavar="BASELINE",
                        help="the committed baseline report, e.g. reports/baseline/moto.json")
    parser.add_argument("current", metavar="CURRENT", help="report.json of the run to judge")
    parser.add_argument("--update", action="store_true",
                        help="accept CURRENT: rewrite BASELINE from it (exit 0)")


def main(args: argparse.Namespace) -> int:
    current = load_report(args.current)
    baseline_path = Path(args.baseline)
    accept = (f"conformance gate --baseline {shlex.quote(args.baseline)} "
              f"{shlex.quote(args.current)} --update")
    if args.update:
        if current.get("interrupted"):
            raise UsageError(f"{args.current}: an interrupted run's partial report is not a baseline; run the suite to the end")
        verdict = None
        if baseline_path.exists():
            baseline = load_report(baseline_path)
            verdict = compare(baseline, current)
        baseline_path.parent.mkdir(parents=True, exist_ok=True)
        baseline_path.write_text(json.dumps(baseline_of(current), indent=2) + "\n", encoding="utf-8")
        what = "created" if verdict is None else "updated"
        print(f"gate: baseline {what}: {baseline_path} ({len(current['results'])} results)")
        if verdict is not None:
            print(f"  accepted: {len(verdict.regressed)} regressed, {len(verdict.disappeared)} "
                  f"disappeared, {len(verdict.improved)} improved, {len(verdict.changed)} changed, "
                  f"{len(verdict.new)} new")
        return 0
    if not baseline_path.exists():
        raise UsageError(f"{baseline_path}: no such baseline; create it with: {accept}")
    baseline = load_report(baseline_path)
    verdict = compare(baseline, current)
    print(render(verdict, baseline, current, accept), end="")
    return 1 if verdict.failed else 0
