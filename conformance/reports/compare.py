"""One matrix of result ids across reports (``conformance compare``).

Rows are result ids, columns are reports (moto in-process vs moto server vs aws cassettes,
or one backend across versions). Rows where the reports disagree come first, since those are
what a reader is looking for: first other outcomes for the same id, then results only some
reports have (backend-specific tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .markdown import ICON as _ICON


@dataclass(frozen=True)
class Matrix:
    labels: list[str]
    #: (id, [result or None per report]) with disagreeing rows first, then by id
    rows: list[tuple[str, list[dict[str, Any] | None]]]
    disagreeing: int
    reports: list[dict[str, Any]]


def label(report: dict[str, Any], path: str) -> str:
    backend = report["backend"]
    text = backend["kind"]
    if backend.get("endpoint"):
        text += f" @ {backend['endpoint']}"
    return text


def labels(reports: list[dict[str, Any]], paths: list[str]) -> list[str]:
    """Backend kinds, made distinct by the versions that differ, else by file name."""
    base = [label(r, p) for r, p in zip(reports, paths)]
    if len(set(base)) == len(base):
        return base
    keys = sorted({k for r in reports for k in r["versions"]})
    differing = [k for k in keys if len({r["versions"].get(k) for r in reports}) > 1]
    out = []
    for text, report in zip(base, reports):
        extra = ", ".join(f"{k} {report['versions'].get(k)}" for k in differing)
        out.append(f"{text} ({extra})" if extra else text)
    if len(set(out)) < len(out):
        out = [f"{text} [{Path(p).name if Path(p).name != 'report.json' else p}]"
               for text, p in zip(base, paths)]
    if len(set(out)) < len(out):
        out = [f"{text} [{p}]" for text, p in zip(base, paths)]
    return out


def build(reports: list[dict[str, Any]], names: list[str]) -> Matrix:
    by_id = [{r["id"]: r for r in report["results"]} for report in reports]
    ids = sorted(set().union(*by_id))
    rows = []
    for rid in ids:
        cells = [found.get(rid) for found in by_id]
        present = {c["outcome"] for c in cells if c}
        # 0: the reports judged it differently; 1: only some reports have it; 2: agreement
        rank = 0 if len(present) > 1 else 1 if None in cells else 2
        rows.append((rank, rid, cells))
    rows.sort(key=lambda row: (row[0], row[1]))
    return Matrix(names, [(rid, cells) for _, rid, cells in rows],
                  sum(1 for row in rows if row[0] < 2), reports)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(matrix: Matrix) -> str:
    lines = [f"# Conformance comparison: {len(matrix.labels)} reports, {len(matrix.rows)} results, "
             f"{matrix.disagreeing} disagree", ""]
    lines += ["| report | passed | failed | skipped | error | versions |", "|---|---|---|---|---|---|"]
    for name, report in zip(matrix.labels, matrix.reports):
        s = report["summary"]
        versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v)
        lines.append(f"| {_md(name)} | {s['passed']} | {s['failed']} | {s['skipped']} | {s['error']} "
                     f"| {_md(versions)} |")
    lines += ["", "| result | " + " | ".join(map(_md, matrix.labels)) + " |",
              "|---|" + "---|" * len(matrix.labels)]
    for index, (rid, cells) in enumerate(matrix.rows):
        if index == matrix.disagreeing and 0 < matrix.disagreeing < len(matrix.rows):
            lines.append("| **agreeing** |" + " |" * len(matrix.labels))
        shown = f"**{_md(rid)}**" if index < matrix.disagreeing else _md(rid)
        lines.append(f"| {shown} | " + " | ".join(_ICON[c and c["outcome"]] for c in cells) + " |")
    lines += ["", "✅ passed · ❌ failed · ⏭️ skipped · 💥 error · 🔁 flaky · — not in that report", ""]
    return "\n".join(lines)


