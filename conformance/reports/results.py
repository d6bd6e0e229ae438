"""Results -> report.json (the contract in report.schema.json), and back: the one writer and loader."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import UsageError
from ..model import SERVICE, botocore_version

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
#: The report.json layout this tool writes and reads (``schema_version``).
SCHEMA_VERSION = 1
OUTCOMES = ("passed", "failed", "skipped", "error")
#: An outcome counted (summary, operations, Markdown) only in a run that has one.
FLAKY = "flaky"
#: When two phases of one test report, the worse outcome wins. ``flaky``: failed once, held
#: when run again (not a failure, but not a clean pass either).
#: How bad an outcome is: the worst of several results for one id (or one cell) is shown.
RANK = {"passed": 0, "flaky": 1, "skipped": 2, "failed": 3, "error": 4}


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
        if known is None or RANK[result["outcome"]] >= RANK[known["outcome"]]:
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
    from . import html
    from .junit import render_junit
    from .markdown import render_markdown

    md_path.write_text(render_markdown(report), encoding="utf-8")
    junit_path = directory / "junit.xml"
    junit_path.write_text(render_junit(report), encoding="utf-8")
    html_path = directory / "report.html"
    html_path.write_text(html.render(report), encoding="utf-8")
    return [json_path, md_path, junit_path, html_path]


def load(path: str | Path) -> dict[str, Any]:
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
    return from_json(data)  # a flaky result (passed with its flaky record) is flaky again
