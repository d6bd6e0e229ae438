"""report.json -> junit.xml: one testcase per result id, for CI test reporters."""

from __future__ import annotations

from typing import Any


def render_junit(report: dict[str, Any]) -> str:
    """JUnit XML with one testcase per result id (classname the operation, name check/case),
    so a CI test reporter shows clauses, not pytest node ids."""
    from xml.sax.saxutils import escape, quoteattr

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
