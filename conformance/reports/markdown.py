"""report.json -> report.md (a GitHub step summary) and the sweep's coverage table."""

from __future__ import annotations

import json
from typing import Any

from .results import FLAKY, OUTCOMES, RANK, operations_summary

#: One mark per outcome, shared by report.md, the gate's output and the compare matrix.
ICON = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "💥", "flaky": "🔁", None: "—"}


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
        lines += ["| operation | " + " | ".join(ICON[o] + " " + o for o in shown) + " |",
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
        for r in sorted(by_op[operation], key=lambda r: (RANK[r["outcome"]] * -1, r["id"])):
            case = r["id"].split("/", 2)[-1]
            lines.append(
                f"| {ICON[r['outcome']]} | {r['check']} | {_cell(case, 60)} | {r.get('basis') or ''} "
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
