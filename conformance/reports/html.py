"""report.json -> report.html: one self-contained file a person reads in seconds.

No CDN, no script, inline CSS only, so it opens from a CI artifact or a mail attachment.
Every value from the report is escaped (a backend's response body is untrusted text).
Layout: a header (backend, versions, cassette provenance), an operations x checks grid with
one colour per outcome, then each failure as a ``<details>`` holding its message and the
minimal failing request/response, every result per operation, and the fidelity notes.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from .results import RANK

#: Outcome -> (background, text colour, symbol). The failure red is what the screenshot test
#: counts; keep the grid cells solid so it stays countable.
COLOURS = {
    "passed": ("#1a7f37", "#ffffff", "✓"),
    "failed": ("#cf222e", "#ffffff", "✗"),
    "error": ("#8250df", "#ffffff", "!"),
    "skipped": ("#d4a72c", "#1f2328", "–"),
    "flaky": ("#bc4c00", "#ffffff", "~"),
    None: ("#eaeef2", "#57606a", "·"),
}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;
margin:0;padding:24px 32px;background:#fff}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;margin-right:6px}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f6f8fa}
table.meta th{min-width:7em}
table.grid td.cell{text-align:center;font-weight:600;min-width:4.5em;height:2em}
.row{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-start}.row h3{margin-top:0}
.scroll{overflow-x:auto}
table.grid td.cell a{color:inherit;text-decoration:none;display:block}
table.grid th.check{writing-mode:horizontal-tb;font-size:12px;max-width:9em}
details{border:1px solid #d0d7de;border-radius:6px;margin:6px 0;padding:4px 10px}
details>summary{cursor:pointer;font-weight:600}details[open]>summary{margin-bottom:6px}
pre{background:#f6f8fa;padding:8px;border-radius:6px;overflow:auto;max-height:28em;
white-space:pre-wrap;word-break:break-word;font-size:12px}
.muted{color:#57606a}.legend span{margin-right:14px}.dot{display:inline-block;width:12px;
height:12px;border-radius:3px;vertical-align:-1px;margin-right:4px}
code{background:#f6f8fa;padding:1px 4px;border-radius:4px}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _anchor(result_id: str) -> str:
    return "r-" + re.sub(r"[^A-Za-z0-9_-]+", "-", result_id).strip("-")


def _style(outcome: str | None) -> str:
    bg, fg, _ = COLOURS[outcome]
    return f"background:{bg};color:{fg}"


def _badge(outcome: str, count: int) -> str:
    return f'<span class="badge" style="{_style(outcome)}">{count} {_e(outcome)}</span>'


def _legend() -> str:
    items = [f'<span><span class="dot" style="background:{COLOURS[o][0]}"></span>{_e(o)}</span>'
             for o in ("passed", "failed", "error", "skipped", "flaky")]
    items.append(f'<span><span class="dot" style="background:{COLOURS[None][0]}"></span>'
                 "not run</span>")
    return '<p class="legend muted">' + "".join(items) + "</p>"


def _value(value: Any) -> str:
    """Generic, escaped rendering of a JSON value (for sections whose shape may grow)."""
    if isinstance(value, dict):
        if not value:
            return '<span class="muted">(none)</span>'
        rows = "".join(f"<tr><th>{_e(k)}</th><td>{_value(v)}</td></tr>" for k, v in value.items())
        return f'<table class="meta">{rows}</table>'
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            keys = list(dict.fromkeys(k for v in value for k in v))
            head = "".join(f"<th>{_e(k)}</th>" for k in keys)
            body = "".join("<tr>" + "".join(f"<td>{_value(v.get(k))}</td>" for k in keys) + "</tr>"
                           for v in value)
            return f"<table><tr>{head}</tr>{body}</table>"
        return ", ".join(_value(v) for v in value) or '<span class="muted">(none)</span>'
    if value is None:
        return '<span class="muted">—</span>'
    return _e(value)


def _pretty(body: Any) -> str:
    if isinstance(body, str):
        try:
            return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        except ValueError:
            return body
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)


def _example(example: Any) -> str:
    if isinstance(example, dict) and "request" in example and isinstance(example.get("response"), dict):
        resp = example["response"]
        status = ", ".join(_e(x) for x in (
            f"HTTP {resp['status']}" if resp.get("status") is not None else None,
            f"error code {resp['error_code']}" if resp.get("error_code") not in (None, "", str(resp.get("status")))
            else None,
            resp.get("transport_error")) if x)
        return (f"<h4>Request ({_e(example.get('operation') or '')})</h4>"
                f"<pre>{_e(_pretty(example['request']))}</pre>"
                f"<h4>Response ({status or 'none'})</h4><pre>{_e(_pretty(resp.get('body', '')))}</pre>")
    return f"<h4>Example</h4><pre>{_e(_pretty(example))}</pre>"


def _first_line(text: Any) -> str:
    return next((ln.strip() for ln in str(text or "").splitlines() if ln.strip()), "")


def _header(report: dict[str, Any]) -> str:
    backend = report.get("backend", {})
    s = report.get("summary", {})
    title = f"Conformance: {report.get('service', '?')} on {backend.get('kind', '?')}"
    meta = {
        "backend": backend.get("kind"),
        "endpoint": backend.get("endpoint") or ("in-process" if backend.get("kind") == "moto" else None),
        "record mode": backend.get("record_mode"),
        "started": report.get("started_at"),
        "duration": f"{report.get('duration_s', 0):.1f} s",
    }
    out = [f"<header><h1>{_e(title)}</h1><p>"
           + "".join(_badge(o, s.get(o, 0)) for o in ("passed", "failed", "error", "skipped", "flaky"))
           + "</p>",
           '<div class="row"><div><h3>Run</h3><table class="meta">'
           + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in meta.items() if v is not None)
           + "</table></div>",
           "<div><h3>Versions</h3>" + _value(report.get("versions", {})) + "</div>"]
    if report.get("cassettes"):
        out.append("<div><h3>Cassette provenance</h3>" + _value(report["cassettes"]) + "</div>")
    out.append("</div></header>")
    return "\n".join(out)


def _grid(results: list[dict[str, Any]]) -> str:
    operations = sorted({r["operation"] for r in results})
    checks = sorted({r["check"] for r in results})
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results:
        cells.setdefault((r["operation"], r["check"]), []).append(r)
    head = "".join(f'<th class="check">{_e(c)}</th>' for c in checks)
    rows = []
    for op in operations:
        tds = []
        for check in checks:
            found = cells.get((op, check), [])
            if not found:
                tds.append(f'<td class="cell" style="{_style(None)}" title="not run">·</td>')
                continue
            worst = max(found, key=lambda r: (RANK[r["outcome"]], r["id"]))
            counts = {o: sum(r["outcome"] == o for r in found) for o in RANK}
            text = " ".join(f"{COLOURS[o][2]}{n}" for o, n in counts.items() if n)
            tip = "; ".join(f"{r['id']}: {r['outcome']}" for r in found)
            target = _anchor(worst["id"])
            tds.append(f'<td class="cell {_e(worst["outcome"])}" style="{_style(worst["outcome"])}" '
                       f'title="{_e(tip)}"><a href="#{target}">{_e(text)}</a></td>')
        rows.append(f"<tr><th>{_e(op)}</th>{''.join(tds)}</tr>")
    return (f'<div class="scroll"><table class="grid"><tr><th>operation \\ check</th>{head}</tr>'
            f'{"".join(rows)}</table></div>' + _legend())


def _clauses(report: dict[str, Any]) -> str:
    """Per operation, the share of clauses that hold and the failing ones by kind of clause."""
    from .results import operations_summary

    ops = report.get("operations") or operations_summary(report.get("results", []))
    rows = []
    for op, entry in ops.items():
        share = entry["passed"] / entry["clauses"] if entry["clauses"] else 0.0
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(entry.get("failing_kinds", {}).items(), key=lambda kv: -kv[1]))
        rows.append(f"<tr><th>{_e(op)}</th><td>{entry['passed']} of {entry['clauses']} hold ({share:.0%})</td>"
                    f"<td>{_e(kinds) or '—'}</td></tr>")
    return ("<h2>Clauses that hold</h2><table><tr><th>operation</th><th>clauses</th>"
            f"<th>failing, by kind of clause</th></tr>{''.join(rows)}</table>")


def _failure(r: dict[str, Any]) -> str:
    _, _, symbol = COLOURS[r["outcome"]]
    basis = f' <span class="muted">basis: {_e(r["basis"])}</span>' if r.get("basis") else ""
    body = f"<pre>{_e(r.get('message') or '(no message)')}</pre>"
    if r.get("example") is not None:
        body += _example(r["example"])
    return (f'<details id="{_anchor(r["id"])}"><summary><span class="dot" '
            f'style="background:{COLOURS[r["outcome"]][0]}"></span>{_e(symbol)} {_e(r["id"])}'
            f' — {_e(_first_line(r.get("message"))[:120])}{basis}</summary>{body}</details>')


def _all_results(results: list[dict[str, Any]]) -> str:
    by_op: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_op.setdefault(r["operation"], []).append(r)
    out = []
    for op in sorted(by_op):
        rows = []
        for r in sorted(by_op[op], key=lambda r: (-RANK[r["outcome"]], r["id"])):
            case = r["id"].split("/", 2)[-1]
            msg = _first_line(r.get("message")) if r["outcome"] != "passed" else ""
            link = (f'<a href="#{_anchor(r["id"])}">{_e(case)}</a>'
                    if r["outcome"] in ("failed", "error") else _e(case))
            rows.append(f'<tr><td style="{_style(r["outcome"])}">{_e(r["outcome"])}</td>'
                        f"<td>{_e(r['check'])}</td><td>{link}</td><td>{_e(r.get('basis') or '')}</td>"
                        f"<td>{_e(msg[:240])}</td></tr>")
        bad = sum(r["outcome"] in ("failed", "error") for r in by_op[op])
        out.append(f"<details{' open' if bad else ''}><summary>{_e(op)}: {len(by_op[op])} results"
                   f"{f', {bad} failing' if bad else ''}</summary><table><tr><th>outcome</th>"
                   f"<th>check</th><th>case</th><th>basis</th><th>message</th></tr>"
                   f"{''.join(rows)}</table></details>")
    return "\n".join(out)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def render(report: dict[str, Any]) -> str:
    """The whole report as one HTML document (a string)."""
    results = report.get("results", [])
    failing = sorted((r for r in results if r["outcome"] in ("failed", "error")),
                     key=lambda r: (r["operation"], r["id"]))
    parts = [_header(report), _clauses(report) if results else "", _coverage(report), "<h2>Operations × checks</h2>"]
    parts.append(_grid(results) if results else '<p class="muted">No results.</p>')
    parts.append(f"<h2>Failures ({len(failing)})</h2>")
    parts.append("\n".join(map(_failure, failing)) if failing
                 else '<p class="muted">None: every check that ran passed or was skipped.</p>')
    notes = report.get("notes") or []
    parts.append(f"<h2>Fidelity notes ({len(notes)})</h2>")
    parts.append("<p class='muted'>Where the backend differs from AWS without breaking the "
                 "contract; never counted as failures.</p>")
    parts.append("<ul>" + "".join(f"<li><b>{_e(n['id'])}</b>"
                                  f"{' (' + _e(n['operation']) + ')' if n.get('operation') else ''}: "
                                  f"{_e(n['message'])}</li>" for n in notes) + "</ul>" if notes
                 else '<p class="muted">None.</p>')
    parts.append("<h2>All results</h2>" + _all_results(results))
    backend = report.get("backend", {})
    return _page(f"Conformance: {report.get('service', '')} on {backend.get('kind', '')}", "\n".join(parts))


_COVERAGE_OUTCOME = {"holds": "passed", "fails": "failed", "skipped": "skipped"}


def _coverage(report: dict[str, Any]) -> str:
    """The sweep's coverage matrix, family x generic check (empty without one)."""
    coverage = report.get("coverage")
    if not coverage:
        return ""
    checks = coverage["checks"]
    head = "".join(f"<th>{_e(c)}</th>" for c in checks)
    rows = []
    for family, entry in coverage["families"].items():
        cells = "".join(
            f'<td class="cell" style="{_style(_COVERAGE_OUTCOME.get(entry["cells"].get(c)))}">'
            f'{_e(entry["cells"].get(c, "not run"))}</td>' for c in checks)
        rows.append(f"<tr><th>{_e(family)}</th><td>{_e(entry['status'])}</td>{cells}</tr>")
    return (f'<h2>Coverage: family × check</h2><table class="grid"><tr><th>family</th><th>status</th>{head}</tr>'
            + "".join(rows) + "</table>")


def render_matrix(matrix: Any) -> str:
    """``conformance compare --html``: the result-id x report matrix, disagreements first."""
    head = "".join(f"<th>{_e(label)}</th>" for label in matrix.labels)
    summary_rows = "".join(
        f"<tr><th>{_e(label)}</th><td>"
        + "".join(_badge(o, rep["summary"].get(o, 0)) for o in ("passed", "failed", "error", "skipped", "flaky"))
        + f"</td><td>{_e(', '.join(f'{k} {v}' for k, v in rep['versions'].items() if v))}</td></tr>"
        for label, rep in zip(matrix.labels, matrix.reports))
    rows = []
    for index, (rid, cells) in enumerate(matrix.rows):
        if index == matrix.disagreeing and 0 < matrix.disagreeing < len(matrix.rows):
            rows.append(f'<tr><th colspan="{len(cells) + 1}">agreeing</th></tr>')
        tds = "".join(
            f'<td class="cell" style="{_style(c and c["outcome"])}" '
            f'title="{_e(_first_line(c.get("message")) if c else "not in this report")}">'
            f'{_e(c["outcome"] if c else "absent")}</td>' for c in cells)
        name = f"<b>{_e(rid)}</b>" if index < matrix.disagreeing else _e(rid)
        rows.append(f"<tr><td>{name}</td>{tds}</tr>")
    body = (f"<h1>Conformance comparison</h1><p>{len(matrix.labels)} reports, {len(matrix.rows)} "
            f"results, <b>{matrix.disagreeing}</b> where they disagree (listed first).</p>"
            f"<table><tr><th>report</th><th>summary</th><th>versions</th></tr>{summary_rows}</table>"
            f'<h2>Results</h2><table class="grid"><tr><th>result</th>{head}</tr>{"".join(rows)}</table>'
            + _legend())
    return _page("Conformance comparison", body)
