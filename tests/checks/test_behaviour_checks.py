"""Each behavioural check fails on a backend with exactly its defect (the fault proxy with
one catalogue defect) and passes on the faithful proxy: measured by `conformance selftest`,
which counts a kill only for a result that passes on the faithful proxy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Two halves, each run as one narrowed selftest (faithful proxy + its defects), so pytest-xdist
#: can run them side by side: group -> (the suite tests its results come from, defect -> the
#: results (id prefixes) that must kill it). Checks with an in-process fault-injection test
#: of their own (tests/checks/test_concept_checks.py, test_skeleton_checks.py: a dropped page
#: item, a reversed sort, an accepted duplicate, a stale device enum, an altered round trip)
#: are not measured again here; the whole catalogue is `conformance selftest`'s (README).
GROUPS = {
    "listing": ("test_behaviour or timestamps", {
        "next_token_never_ends": ("ListCompilationJobs/pagination-walk/", "ListCompilationJobs/paginator-agrees/"),
        "pages_duplicate_item": ("ListCompilationJobs/paginator-agrees/",),
        "arn_wrong_name": ("/arn-names-job/",),
        "list_summary_drops_target": ("ListCompilationJobs/list-summary/generated",),
        "garbage_token_accepted": ("ListCompilationJobs/garbage-token/",),
        "timestamps_unordered": ("DescribeCompilationJob/timestamps-ordered/",),
    }),
    "clauses": ("test_clauses", {
        "list_validation_skipped": ("ListCompilationJobs/invalid-rejected/MaxResults:min-value",
                                    "ListCompilationJobs/invalid-rejected/MaxResults:max-value",
                                    "ListCompilationJobs/invalid-rejected/StatusEquals:enum"),
        "invalid_input_accepted": ("CreateCompilationJob/invalid-rejected/OutputConfig.TargetDevice:enum",
                                   "CreateCompilationJob/invalid-rejected/RoleArn:required",
                                   "CreateCompilationJob/invalid-rejected/CompilationJobName:pattern"),
        "framework_refuses_tflite": ("CreateCompilationJob/accepted/InputConfig.Framework=TFLITE",),
        "name_pattern_too_strict": ("CreateCompilationJob/accepted/CompilationJobName=max-length",),
        "platform_breaks_list": ("CreateCompilationJob/leaves-list-working/later-listings",),
        "list_ignores_status_enum": ("ListCompilationJobs/invalid-rejected/StatusEquals:enum",),
    }),
}
#: Jobs that move, but briefly: none of these checks needs a running job, and the narrowed
#: runs of the suite wait for theirs (selftest's default of 1.5 s is for the Stop of a running job).
JOB_SECONDS = 0.3


@pytest.mark.slow
@pytest.mark.parametrize("group", GROUPS)
def test_behaviour_checks_kill_their_defects_and_pass_on_the_faithful_proxy(tmp_path, group):
    select, expected = GROUPS[group]
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "selftest", "--defects", ",".join(expected),
         "-k", select, "--output", str(tmp_path), "--workers", "2", "--job-seconds", str(JOB_SECONDS)],
        capture_output=True, text=True, timeout=1500,
    )
    summary = json.loads((tmp_path / "selftest.json").read_text())
    assert summary["false_alarms"] == [], proc.stdout
    rows = {r["defect"]: r for r in summary["rows"]}
    for defect, needles in expected.items():
        for needle in needles:
            assert any(needle in rid for rid in rows[defect]["by"]), (defect, needle, rows[defect]["by"])
    faithful = json.loads((tmp_path / "faithful" / "report.json").read_text())
    outcomes = {r["id"]: r["outcome"] for r in faithful["results"]}
    for needle in {n for needles in expected.values() for n in needles}:
        assert any(needle in rid and o == "passed" for rid, o in outcomes.items()), needle
