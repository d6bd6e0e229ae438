"""Reports: results -> report.json (the contract in report.schema.json, written and loaded by
:mod:`.results`), report.md (:mod:`.markdown`), report.html (:mod:`.html`), junit.xml
(:mod:`.junit`), and what reads reports back: the CI gate (:mod:`.gate`) and the matrix across
reports (:mod:`.compare`). Commands in :mod:`conformance.commands` are their front ends."""

from __future__ import annotations

from .markdown import render_coverage_markdown, render_markdown
from .results import (
                      FLAKY,
                      OUTCOMES,
                      SCHEMA_PATH,
                      SCHEMA_VERSION,
                      ResultBook,
                      build,
                      from_json,
                      load,
                      operations_summary,
                      to_json,
                      validate,
                      versions,
                      write,
)

__all__ = ["FLAKY", "OUTCOMES", "SCHEMA_PATH", "SCHEMA_VERSION", "ResultBook", "build", "from_json", "load",
           "operations_summary", "render_coverage_markdown", "render_markdown", "to_json", "validate",
           "versions", "write"]
