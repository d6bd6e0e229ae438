"""Results -> report.json (the contract in report.schema.json) and report.md."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from ..model import SERVICE, botocore_version

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
OUTCOMES = ("passed", "failed", "skipped", "error")
#: An outcome counted (summary, operations, Markdown) only in a run that has one.
FLAKY = "flaky"
#: When two phases of one test report, the worse outcome wins. ``flaky``: failed once, held
#: when run again (not a failure, but not a clean pass either).
_RANK = {"passed": 0, "flaky": 1, "skipped": 2, "failed": 3, "error": 4}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    return {
        "suite": __version__,
        "botocore": botocore_version(),
        "moto": _version("moto"),
        "hypothesis": _version("hypothesis"),
        "vcrpy": _version("vcrpy"),
        "python": platform.python_version(),
    }


@dataclass
class ResultBook:
    """Collects results by id; a later, worse outcome of the same id replaces the earlier."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, result: dict[str, Any]) -> None:
        known = self.results.get(result["id"])
        if known is None or _RANK[result["outcome"]] >= _RANK[known["outcome"]]:
            self.results[result["id"]] = result

    def note(self, note: dict[str, Any]) -> None:
        self.notes[note["id"]] = note

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for result in self.results.values():
            counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        return counts


def build(
    book: ResultBook,
    *,
    backend: dict[str, Any],
    started_at: datetime,
    duration_s: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    report = {
        "schema_version": 1,
        "service": SERVICE,
        "backend": backend,
        "versions": versions(),
        "started_at": started_at.astimezone(timezone.utc).isoformat(),
        "duration_s": round(max(duration_s, 0.0), 3),
        "summary": book.summary(),
        "operations": operations_summary(list(book.results.values())),
        "results": sorted(book.results.values(), key=lambda r: r["id"]),
        "notes": sorted(book.notes.values(), key=lambda n: n["id"]),
    }
    if extra:
        report.update(extra)
    return report


def clause_kind(result: dict[str, Any]) -> str:
    """What kind of clause a result is: the constraint of a model clause
    (``OutputConfig.TargetDevice:enum`` -> ``enum``), a value's acceptance (``value``), or
    the check itself for a documented rule (``pagination-walk``)."""
    case = result["id"].split("/", 2)[-1]
    if ":" in case:
        return f"{result['check']} {case.rsplit(':', 1)[1]}"
    if "=" in case and result["check"] in ("accepted", "roundtrip", "list-summary"):
        return f"{result['check']} value"
    return result["check"]


def operations_summary(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per operation: how many clauses there are, how many hold, and the failures grouped
    by clause kind: the to-do list of an emulator author."""
    out: dict[str, dict[str, Any]] = {}
    for r in results:
        entry = out.setdefault(r["operation"], {"clauses": 0, **dict.fromkeys(OUTCOMES, 0), "failing_kinds": {}})
        entry["clauses"] += 1
        entry[r["outcome"]] = entry.get(r["outcome"], 0) + 1
        if r["outcome"] in ("failed", "error"):
            kind = clause_kind(r)
            entry["failing_kinds"][kind] = entry["failing_kinds"].get(kind, 0) + 1
    return {op: out[op] for op in sorted(out)}


def validate(report: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when ``report`` breaks the shared contract."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)


def _counted_as_passed(counts: dict[str, Any]) -> dict[str, Any]:
    return {**counts, "passed": counts.get("passed", 0) + counts[FLAKY]} if counts.get(FLAKY) else counts


def to_json(report: dict[str, Any]) -> dict[str, Any]:
    """report.json keeps the shared contract's four outcomes: a flaky result (failed once after a
    transient answer, held when run again) is written ``passed`` with its ``flaky`` record, and
    counted among the passed (``summary.flaky`` says how many of them). A new dict."""
    return {**report,
            "results": [dict(r, outcome="passed") if r["outcome"] == FLAKY else r for r in report["results"]],
            "summary": _counted_as_passed(report["summary"]),
            **({"operations": {op: _counted_as_passed(c) for op, c in report["operations"].items()}}
               if "operations" in report else {})}


def from_json(report: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`to_json`, for the readers of report.json (gate, compare, html)."""
    def apart(counts: dict[str, Any]) -> dict[str, Any]:
        return {**counts, "passed": counts["passed"] - counts[FLAKY]} if counts.get(FLAKY) else counts

    results = [dict(r, outcome=FLAKY) if r["outcome"] == "passed" and r.get("flaky") else r
               for r in report["results"]]
    out = {**report, "results": results}
    if isinstance(report.get("summary"), dict):
        out["summary"] = apart(report["summary"])
    if isinstance(report.get("operations"), dict):
        out["operations"] = {op: apart(c) for op, c in report["operations"].items()}
    return out


def write(report: dict[str, Any], directory: Path) -> list[Path]:
    on_disk = to_json(report)
    validate(on_disk)
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "report.json"
    json_path.write_text(json.dumps(on_disk, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    md_path = directory / "report.md"
    md_path.write_text(render_markdown(report), encoding="utf-8")
    junit_path = directory / "junit.xml"
    junit_path.write_text(render_junit(report), encoding="utf-8")
    written = [json_path, md_path, junit_path]
    try:
        from . import html
    except ImportError:
        pass
    else:
        html_path = directory / "report.html"
        html_path.write_text(html.render(report), encoding="utf-8")
        written.append(html_path)
    return written


def render_junit(report: dict[str, Any]) -> str:
    """JUnit XML with one testcase per result id (classname the operation, name check/case),
    so a CI test reporter shows clauses, not pytest node ids."""
    from xml.sax.saxutils import quoteattr, escape

    s = report["summary"]
    cases = []
    for r in report["results"]:
        name = r["id"].split("/", 1)[-1]
        body = ""
        message = r.get("message") or ""
        if r["outcome"] == "failed":
            body = f"<failure message={quoteattr(message.splitlines()[0] if message else 'failed')}>{escape(message)}</failure>"
        elif r["outcome"] == "error":
            body = f"<error message={quoteattr(message.splitlines()[0] if message else 'error')}>{escape(message)}</error>"
        elif r["outcome"] == "skipped":
            body = f"<skipped message={quoteattr(message.splitlines()[0] if message else 'skipped')}/>"
        cases.append(f'    <testcase classname={quoteattr(r["operation"])} name={quoteattr(name)} '
                     f'time="{r.get("duration_s") or 0}">{body}</testcase>')
    suite = quoteattr(f"conformance-{report['backend']['kind']}")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n  <testsuite name={suite} '
            f'tests="{len(report["results"])}" failures="{s["failed"]}" errors="{s["error"]}" '
            f'skipped="{s["skipped"]}" time="{report["duration_s"]}">\n' + "\n".join(cases)
            + "\n  </testsuite>\n</testsuites>\n")


_ICON = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "💥", "flaky": "🔁"}


def _cell(text: Any, limit: int = 160) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


#: GitHub caps a step summary at 1 MiB; examples are cut well before that.
_MD_EXAMPLES = 40
_MD_EXAMPLE_CHARS = 3000


def render_markdown(report: dict[str, Any]) -> str:
    """A Markdown report that fits a GitHub step summary (``>> $GITHUB_STEP_SUMMARY``): an
    overview per operation, then a table per operation (failures first), fidelity notes, and
    the minimal failing examples folded in ``<details>``."""
    from html import escape

    s = report["summary"]
    backend = report["backend"]
    where = backend.get("endpoint") or ("in-process" if backend["kind"] == "moto" else "cassettes")
    lines = [
        f"# Conformance: {report['service']} on `{backend['kind']}` ({where})",
        "",
        f"**{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['error']} error"
        + (f", {s[FLAKY]} flaky (failed once, held when run again)" if s.get(FLAKY) else "") + "** "
        f"in {report['duration_s']:.1f} s, started {report['started_at']}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v),
        "",
    ]
    if report.get("interrupted"):
        lines += ["**Interrupted**: a partial report, only the results finished before the run was stopped.", ""]
    cassettes = report.get("cassettes")
    if cassettes:
        sources = "; ".join(
            f"{src.get('cassettes')} recorded against {src.get('recorded_against')}"
            + (f" (botocore {src['botocore']})" if src.get("botocore") else "")
            for src in cassettes.get("sources", []) if isinstance(src, dict))
        lines += [f"Cassettes: `{cassettes.get('dir')}`, record mode {cassettes.get('record_mode')}, "
                  f"{cassettes.get('used', 0)} used ({cassettes.get('replayed', 0)} replayed, "
                  f"{cassettes.get('recorded', 0)} recorded, {cassettes.get('missing', 0)} missing)"
                  + (f"; {sources}" if sources else "") + ".", ""]
        stale = sum(1 for r in report["results"] if r.get("stale_cassette"))
        if stale:
            lines += [f"**{stale} skipped for a stale cassette** (the test now sends or draws what its cassette "
                      "lacks): re-record them; the failures are the recorded answers judged by today's checks.", ""]
    by_op: dict[str, list[dict[str, Any]]] = {}
    for result in report["results"]:
        by_op.setdefault(result["operation"], []).append(result)
    shown = OUTCOMES + ((FLAKY,) if s.get(FLAKY) else ())
    if by_op:
        lines += ["| operation | " + " | ".join(_ICON[o] + " " + o for o in shown) + " |",
                  "|---|" + "---:|" * len(shown)]
        for operation in sorted(by_op):
            counts = [sum(r["outcome"] == o for r in by_op[operation]) for o in shown]
            lines.append(f"| [{operation}](#{operation.lower()}) | "
                         + " | ".join(str(c) if c else "" for c in counts) + " |")
        lines.append("")
    retries = {op: e for op, e in (report.get("retries") or {}).items() if e.get("retries")}
    if retries:
        lines += [f"Retried (transient answers: throttling, 5xx, resets, timeouts; at most "
                  f"{report.get('max_attempts', '?')} attempts a call): " + ", ".join(
                      f"{op} {e['retried']} of {e['exchanges']} exchanges, {e['retries']} retries"
                      for op, e in retries.items()) + ".", ""]
    ops = report.get("operations") or operations_summary(report["results"])
    if ops:
        lines += ["Clauses that hold, per operation (failures by kind of clause):", ""]
        for operation, entry in ops.items():
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(entry["failing_kinds"].items(), key=lambda kv: -kv[1]))
            lines.append(f"- **{operation}**: {entry['passed']} of {entry['clauses']} clauses hold"
                         + (f"; failing: {kinds}" if kinds else ""))
        lines.append("")
    lines += render_coverage_markdown(report)
    for operation in sorted(by_op):
        lines += [f"## {operation}", "", "| | check | case | basis | message |", "|---|---|---|---|---|"]
        for r in sorted(by_op[operation], key=lambda r: (_RANK[r["outcome"]] * -1, r["id"])):
            case = r["id"].split("/", 2)[-1]
            lines.append(
                f"| {_ICON[r['outcome']]} | {r['check']} | {_cell(case, 60)} | {r.get('basis') or ''} "
                f"| {_cell(r.get('message')) if r['outcome'] != 'passed' else ''} |"
            )
        lines.append("")
    if report.get("notes"):
        lines += ["## Fidelity notes", "", "Where the backend differs from AWS without breaking the "
                  "contract; never counted as failures.", ""]
        lines += [f"- **{n['id']}**: {_cell(n['message'], 400)}" for n in report["notes"]]
        lines.append("")
    failing = [r for r in report["results"] if r["outcome"] in ("failed", "error") and r.get("example")]
    if failing:
        lines += ["## Minimal failing examples", ""]
        for r in failing[:_MD_EXAMPLES]:
            text = json.dumps(r["example"], indent=2)
            if len(text) > _MD_EXAMPLE_CHARS:
                text = text[:_MD_EXAMPLE_CHARS] + f"\n... ({len(text)} characters; see report.json)"
            lines += [
                f"<details><summary>{escape(r['id'])}</summary>",
                "",
                "```json",
                text.replace("```", "`\u200b``"),
                "```",
                "</details>",
                "",
            ]
        if len(failing) > _MD_EXAMPLES:
            lines += [f"... and {len(failing) - _MD_EXAMPLES} more in report.json / report.html.", ""]
    return "\n".join(lines)


_COVERAGE_MARK = {"holds": "✅", "fails": "❌", "skipped": "⏭️", "not run": "·"}


def render_coverage_markdown(report: dict[str, Any]) -> list[str]:
    """The sweep's coverage matrix, family x generic check (``report['coverage']``); none
    without one. A family's status (implemented, not implemented, crashes, needs setup, ...)
    comes first, so the table reads as an emulator's support list."""
    coverage = report.get("coverage")
    if not coverage:
        return []
    checks = coverage["checks"]
    lines = ["## Coverage: family × check", "",
             "✅ holds, ❌ fails, ⏭️ skipped (see the result's reason), · not run (not selected, or the family was not reached).", "",
             "| family | status | " + " | ".join(checks) + " |", "|---|---|" + "---|" * len(checks)]
    for family, entry in coverage["families"].items():
        cells = " | ".join(_COVERAGE_MARK.get(entry["cells"].get(c, "not run"), "?") for c in checks)
        lines.append(f"| {family} | {entry['status']} | {cells} |")
    return lines + [""]
