"""The lifecycle checks: what a legal walk is (unit), that every walk a simulated job really
goes through is legal (property, against the fault proxy's own lifecycle model), and that the
suite's lifecycle, filter and tag tests kill their defects on a backend whose jobs move over
time while passing on the faithful one (selftest, narrowed with -k)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from conformance import checks
from conformance.checks import CheckContext
from conformance.checks.lifecycle import walk_problem
from conformance.errors import CheckFailure
from conformance.exchange import Exchange
from conformance.faults.faithful import Lifecycle, _Job

LEGAL = [
    (["STARTING", "INPROGRESS", "COMPLETED", "COMPLETED"], None),
    (["STARTING", "COMPLETED"], None),
    (["INPROGRESS", "FAILED"], None),
    (["COMPLETED"], None),
    (["STARTING", "STOPPING", "STOPPED", "STOPPED"], 1),
    (["INPROGRESS", "STOPPED"], 1),
    (["STOPPING"], 0),
]
ILLEGAL = [
    (["COMPLETED", "INPROGRESS"], None, "terminal status changed"),
    (["FAILED", "COMPLETED"], None, "terminal status changed"),
    (["INPROGRESS", "STARTING"], None, "illegal transition"),
    (["STARTING", "STOPPING"], None, "without an accepted StopCompilationJob"),
    (["STARTING", "STOPPING", "COMPLETED"], 1, "after an accepted StopCompilationJob"),
    (["STARTING", "Completed"], None, "not a CompilationJobStatus"),
]


@pytest.mark.parametrize("walk,stopped_after", LEGAL)
def test_legal_walks_pass(walk, stopped_after):
    assert walk_problem(walk, stopped_after) is None


@pytest.mark.parametrize("walk,stopped_after,why", ILLEGAL)
def test_illegal_walks_fail_with_the_reason(walk, stopped_after, why):
    problem = walk_problem(walk, stopped_after)
    assert problem is not None and why in problem
    with pytest.raises(CheckFailure, match="observed: "):
        checks.get("status-walk")(Exchange("DescribeCompilationJob", {}, 200),
                                  CheckContext(expect={"walk": walk, "stopped_after": stopped_after}))


@given(reads=st.lists(st.floats(0, 3), min_size=1, max_size=12).map(sorted),
       stop_at=st.none() | st.floats(0, 3), fails=st.booleans())
def test_every_walk_of_a_simulated_job_is_legal(reads, stop_at, fails):
    """The proxy's lifecycle (the one the faithful layer simulates) read at any instants, with
    or without a Stop while running: the check must accept it."""
    lc = Lifecycle(starting_s=0.5, inprogress_s=1.0, stopping_s=0.5)
    job = _Job("j", created=0.0, fails=fails)
    walk, stopped_after = [], None
    for t in reads:
        if stop_at is not None and stopped_after is None and t >= stop_at:
            if job.view(lc, 0.0, stop_at).status in ("STARTING", "INPROGRESS"):
                job.stop_at, stopped_after = stop_at, len(walk)
            else:
                stop_at = None
        walk.append(job.view(lc, 0.0, t).status)
    assert walk_problem(walk, stopped_after) is None, (walk, stopped_after)


def _exchange(status, body):
    return Exchange("StopCompilationJob", {"CompilationJobName": "j"}, status, raw_body=json.dumps(body).encode())


def test_stop_checks():
    refused = _exchange(400, {"__type": "ValidationException", "Message": "cannot be stopped"})
    accepted = _exchange(200, {})
    checks.get("stop-terminal-rejected")(refused, CheckContext(expect={"status": "COMPLETED"}))
    with pytest.raises(CheckFailure, match="expected a 4xx"):
        checks.get("stop-terminal-rejected")(accepted, CheckContext(expect={"status": "COMPLETED"}))
    checks.get("stop-running-accepted")(accepted, CheckContext(expect={"status_after": "STOPPING"}))
    checks.get("stop-running-accepted")(refused, CheckContext(expect={"status_after": "COMPLETED"}))
    with pytest.raises(CheckFailure, match="running job"):
        checks.get("stop-running-accepted")(refused, CheckContext(expect={"status_after": "INPROGRESS"}))


def test_listed_once():
    def page(*names):
        body = {"CompilationJobSummaries": [{"CompilationJobName": n} for n in names]}
        return Exchange("ListCompilationJobs", {}, 200, raw_body=json.dumps(body).encode())

    ctx = CheckContext(expect={"live": ["a", "b"], "gone": ["c"]})
    checks.get("listed-once")(page("b", "a"), ctx)
    for bad, why in ((page("a"), "'b' listed 0 times"), (page("a", "b", "b"), "'b' listed 2 times"),
                     (page("a", "b", "c"), "deleted 'c' still listed")):
        with pytest.raises(CheckFailure, match=why):
            checks.get("listed-once")(bad, ctx)


def _described(status: str, output_config: dict, **members) -> Exchange:
    body = {"CompilationJobStatus": status, "OutputConfig": output_config, **members}
    return Exchange("DescribeCompilationJob", {}, 200, raw_body=json.dumps(body).encode())


@pytest.mark.parametrize("output_config,judged", [
    ({"TargetDevice": "ml_c5"}, True),
    ({"TargetDevice": "ml_inf1"}, True),
    ({"TargetDevice": "amba_cv25"}, False),
    ({"TargetDevice": "jetson_nano"}, False),
    ({"TargetPlatform": {"Os": "LINUX", "Arch": "X86_64"}}, False),
], ids=["ml_c5", "ml_inf1", "amba_cv25", "jetson_nano", "target-platform"])
def test_inference_image_judges_completed_cloud_targets_only(output_config, judged):
    """The guard is the docstring's: a COMPLETED job for an ml_* TargetDevice must have its
    InferenceImage; an edge device or a TargetPlatform job without one is not judged."""
    check = checks.get("inference-image")
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/neo:latest"
    assert check(_described("COMPLETED", output_config, InferenceImage=image)) is judged
    without = _described("COMPLETED", output_config)
    if judged:
        with pytest.raises(CheckFailure, match="described without InferenceImage"):
            check(without)
    else:
        assert check(without) is False
    assert check(_described("INPROGRESS", output_config)) is False  # judged once COMPLETED


#: defect -> a result id fragment that must kill it (the suite narrowed to these tests).
EXPECTED = {
    "stopped_job_completes": "DescribeCompilationJob/status-walk/after-stop",
    "terminal_status_changes": "DescribeCompilationJob/status-walk/until-terminal",
    "stop_on_terminal_accepted": "StopCompilationJob/stop-terminal-rejected/ended",
    "stop_running_rejected": "StopCompilationJob/stop-running-accepted/just-created",
    "drop_model_artifacts": "DescribeCompilationJob/response-shape/ended",
    "drop_inference_image": "DescribeCompilationJob/inference-image/ended",
    "tags_dropped": "ListTags/tags-roundtrip/generated",
    "ignore_status_equals": "ListCompilationJobs/filter-oracle/StatusEquals=held",
    "ignore_creation_time_filter": "ListCompilationJobs/filter-oracle/CreationTimeAfter=between",
    "ignore_last_modified_time_filter": "ListCompilationJobs/filter-oracle/LastModifiedTimeBefore=between",
    # The state machine also catches it (listed-once) when a run deletes a job it read ended:
    # that depends on timing, so the deterministic witness is gone-after-delete.
    "delete_noop": "DescribeCompilationJob/gone-after-delete/deleted",
    "deleted_still_listed": "ListCompilationJobs/gone-after-delete/deleted",
}
SELECT = "test_lifecycle or tags or filter_oracle_settled or after_delete"


#: The lifecycle tests' own defects, killed again with jobs ten times longer (3 s): the suite
#: overlaps and shortens its waits (conformance/waiting.py), and must not judge less for it.
LONG_JOBS_S = 3.0
LONG = ("stopped_job_completes", "terminal_status_changes", "stop_on_terminal_accepted",
        "stop_running_rejected", "drop_model_artifacts", "drop_inference_image")


def _selftest_kills(tmp_path, defects, select, job_seconds=None):
    """Run the narrowed selftest; assert no false alarm, each defect killed by its result,
    and the faithful proxy's jobs really moving."""
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "selftest", "--defects", ",".join(defects),
         "-k", select, "--output", str(tmp_path), "--workers", "2",
         *(["--job-seconds", str(job_seconds)] if job_seconds is not None else [])],
        capture_output=True, text=True, timeout=1500,
    )
    summary = json.loads((tmp_path / "selftest.json").read_text())
    assert summary["false_alarms"] == [], proc.stdout
    rows = {r["defect"]: r for r in summary["rows"]}
    for defect in defects:
        assert EXPECTED[defect] in rows[defect]["by"], (defect, rows[defect]["by"], proc.stdout)
    faithful = json.loads((tmp_path / "faithful" / "report.json").read_text())
    outcomes = {r["id"]: r["outcome"] for r in faithful["results"]}
    assert all(outcomes.get(EXPECTED[d]) == "passed" for d in defects), outcomes
    # The faithful proxy's jobs really move: nothing completed at once, and a job was seen
    # STARTING or INPROGRESS, then stopped (after-stop needs a running job to pass).
    lifecycle_notes = [n for n in faithful.get("notes", []) if "/lifecycle/" in n["id"]]
    assert not lifecycle_notes, lifecycle_notes
    assert outcomes["StopCompilationJob/stop-running-accepted/just-created"] == "passed"


@pytest.mark.slow
def test_lifecycle_checks_kill_their_defects_on_a_moving_backend(tmp_path):
    _selftest_kills(tmp_path, list(EXPECTED), SELECT)


@pytest.mark.slow
def test_lifecycle_checks_kill_their_defects_with_long_jobs(tmp_path):
    """Jobs of 3 s (COMPLETED 3 s after Create, STOPPED 1 s after a Stop): every lifecycle
    result still judged, nothing skipped for want of waiting."""
    _selftest_kills(tmp_path, list(LONG), "test_lifecycle", job_seconds=LONG_JOBS_S)
