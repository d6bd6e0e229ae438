"""Each behavioural check fails on a backend with exactly its defect (the fault proxy with
one catalogue defect) and passes on the faithful proxy: measured by `conformance selftest`,
which counts a kill only for a result that passes on the faithful proxy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: defect -> the check that must kill it
EXPECTED = {
    "pages_drop_item": "ListCompilationJobs/pagination-walk/",
    "sort_order_reversed": "ListCompilationJobs/filter-oracle/",
    "duplicate_name_accepted": "CreateCompilationJob/duplicate-name/",
    "arn_wrong_name": "/arn-names-job/",
    "list_summary_drops_target": "ListCompilationJobs/list-summary/",
    "garbage_token_accepted": "ListCompilationJobs/garbage-token/",
    "timestamps_unordered": "DescribeCompilationJob/timestamps-ordered/",
    "list_validation_skipped": "ListCompilationJobs/invalid-rejected/",
}


@pytest.mark.slow
def test_behaviour_checks_kill_their_defects_and_pass_on_the_faithful_proxy(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "selftest", "--defects", ",".join(EXPECTED),
         "--output", str(tmp_path), "--workers", "2"],
        capture_output=True, text=True, timeout=1500,
    )
    summary = json.loads((tmp_path / "selftest.json").read_text())
    assert summary["false_alarms"] == [], proc.stdout
    rows = {r["defect"]: r for r in summary["rows"]}
    for defect, needle in EXPECTED.items():
        assert any(needle in rid for rid in rows[defect]["by"]), (defect, rows[defect]["by"])
    faithful = json.loads((tmp_path / "faithful" / "report.json").read_text())
    outcomes = {r["id"]: r["outcome"] for r in faithful["results"]}
    for needle in EXPECTED.values():
        assert any(needle in rid and o == "passed" for rid, o in outcomes.items()), needle
