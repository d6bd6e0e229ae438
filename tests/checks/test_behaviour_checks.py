"""Each behavioural check fails on a backend with exactly its defect (the fault proxy with
one catalogue defect) and passes on the faithful proxy: measured by `conformance selftest`,
which counts a kill only for a result that passes on the faithful proxy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: defect -> the results (id prefixes) that must kill it
EXPECTED = {
    "pages_drop_item": ("ListCompilationJobs/pagination-walk/",),
    "next_token_never_ends": ("ListCompilationJobs/pagination-walk/", "ListCompilationJobs/paginator-agrees/"),
    "pages_duplicate_item": ("ListCompilationJobs/paginator-agrees/",),
    "sort_order_reversed": ("ListCompilationJobs/filter-oracle/",),
    "duplicate_name_accepted": ("CreateCompilationJob/duplicate-name/",),
    "arn_wrong_name": ("/arn-names-job/",),
    "list_summary_drops_target": ("ListCompilationJobs/list-summary/generated",
                                  "ListCompilationJobs/list-summary/OutputConfig.TargetDevice=amba_cv25"),
    "garbage_token_accepted": ("ListCompilationJobs/garbage-token/",),
    "timestamps_unordered": ("DescribeCompilationJob/timestamps-ordered/",),
    "list_validation_skipped": ("ListCompilationJobs/invalid-rejected/MaxResults:min-value",
                                "ListCompilationJobs/invalid-rejected/MaxResults:max-value",
                                "ListCompilationJobs/invalid-rejected/StatusEquals:enum"),
    "invalid_input_accepted": ("CreateCompilationJob/invalid-rejected/OutputConfig.TargetDevice:enum",
                               "CreateCompilationJob/invalid-rejected/RoleArn:required",
                               "CreateCompilationJob/invalid-rejected/CompilationJobName:pattern"),
    "target_device_enum_2021": ("CreateCompilationJob/accepted/OutputConfig.TargetDevice=ml_inf2",),
    "roundtrip_alters_field": ("DescribeCompilationJob/roundtrip/OutputConfig.TargetDevice=amba_cv25",),
    "framework_refuses_tflite": ("CreateCompilationJob/accepted/InputConfig.Framework=TFLITE",),
    "name_pattern_too_strict": ("CreateCompilationJob/accepted/CompilationJobName=max-length",),
    "platform_breaks_list": ("CreateCompilationJob/leaves-list-working/later-listings",),
    "list_ignores_status_enum": ("ListCompilationJobs/invalid-rejected/StatusEquals:enum",),
}
#: Jobs that move, but briefly: none of these checks needs a running job, and 18 narrowed runs
#: of the suite wait for theirs (selftest's default of 1.5 s is for the Stop of a running job).
JOB_SECONDS = 0.3
#: The suite narrowed to the tests these results come from (a quicker measure in CI).
SELECT = "test_behaviour or test_clauses or timestamps"


@pytest.mark.slow
def test_behaviour_checks_kill_their_defects_and_pass_on_the_faithful_proxy(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "selftest", "--defects", ",".join(EXPECTED),
         "-k", SELECT, "--output", str(tmp_path), "--workers", "2", "--job-seconds", str(JOB_SECONDS)],
        capture_output=True, text=True, timeout=1500,
    )
    summary = json.loads((tmp_path / "selftest.json").read_text())
    assert summary["false_alarms"] == [], proc.stdout
    rows = {r["defect"]: r for r in summary["rows"]}
    for defect, needles in EXPECTED.items():
        for needle in needles:
            assert any(needle in rid for rid in rows[defect]["by"]), (defect, needle, rows[defect]["by"])
    faithful = json.loads((tmp_path / "faithful" / "report.json").read_text())
    outcomes = {r["id"]: r["outcome"] for r in faithful["results"]}
    for needle in {n for needles in EXPECTED.values() for n in needles}:
        assert any(needle in rid and o == "passed" for rid, o in outcomes.items()), needle
