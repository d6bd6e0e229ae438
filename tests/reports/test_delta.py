"""``--since OLD``: the delta plan from the 2021-06-28 fixtures, each delta check failing on a
backend with exactly that defect (in-process moto with a rewritten wire response) and passing
on moto, and the module's absence without ``--since``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import modeldiff
from conformance.backends import BackendOptions, open_backend
from conformance.errors import CheckFailure, UsageError
from conformance.model import OPERATIONS
from conformance.session import RunSession
from conformance.suite import test_delta as delta
from tests.checks.conftest import FaultyMoto, answer, edit_body

FIXTURES = Path(__file__).parent / "fixtures"
OLD = FIXTURES / "sagemaker-1.20.101-compilation.json"
NEW = FIXTURES / "sagemaker-1.20.102-compilation.json"
AMBA = ("OutputConfig", "TargetDevice")


def case(kind: str, operation: str, check: str, path=(), value=None, required=False):
    return modeldiff.DeltaCase(operation, check, kind, tuple(path), value, required)


ACCEPTED = case("create-accepted", "CreateCompilationJob", "delta-accepted", AMBA, "amba_cv25")
ECHOED = case("describe-echoed", "DescribeCompilationJob", "delta-echoed", AMBA, "amba_cv25")
LISTED = case("list-listed", "ListCompilationJobs", "delta-listed", AMBA, "amba_cv25")
VPC = case("describe-roundtrip", "DescribeCompilationJob", "delta-roundtrip", ("VpcConfig",))
IMAGE = case("describe-returned", "DescribeCompilationJob", "delta-returned", ("InferenceImage",))


def test_plan_of_the_founding_update():
    cases = modeldiff.plan(modeldiff.load(OLD), modeldiff.load(NEW), OPERATIONS)
    assert [c.id for c in cases] == [
        "CreateCompilationJob/delta-accepted/OutputConfig.TargetDevice=amba_cv25",
        "DescribeCompilationJob/delta-echoed/OutputConfig.TargetDevice=amba_cv25",
        "ListCompilationJobs/delta-listed/OutputConfig.TargetDevice=amba_cv25",
        "CreateCompilationJob/delta-accepted/VpcConfig",
        "DescribeCompilationJob/delta-roundtrip/VpcConfig",
        "DescribeCompilationJob/delta-returned/InferenceImage",
    ]
    assert cases[:3] == [ACCEPTED, ECHOED, LISTED] and cases[4] == VPC and cases[5] == IMAGE


def test_since_the_old_fixture_covers_the_founding_update_and_later_ones():
    _, cases = modeldiff.since(OLD, OPERATIONS)
    ids = {c.id for c in cases}
    assert {ACCEPTED.id, ECHOED.id, LISTED.id, VPC.id, IMAGE.id} <= ids
    assert "DeleteCompilationJob/delta-operation/added" in ids  # added after 2021


def test_since_a_model_without_changes_is_a_usage_error(tmp_path):
    same = tmp_path / "service-2.json"
    same.write_text(json.dumps(modeldiff.trim(modeldiff.load("installed"), OPERATIONS)))
    with pytest.raises(UsageError, match="no change to aim at"):
        modeldiff.since(same, OPERATIONS)


def test_the_founding_request_is_used_where_it_holds_the_change():
    assert delta.create_request(ACCEPTED)["OutputConfig"]["TargetDevice"] == "amba_cv25"
    assert delta.create_request(VPC)["VpcConfig"]["Subnets"] == ["subnet-0a1b2c3d"]
    nna = delta.create_request(case("create-accepted", "CreateCompilationJob", "delta-accepted",
                                    ("OutputConfig", "TargetPlatform", "Accelerator"), "NNA"))
    assert nna["OutputConfig"]["TargetPlatform"]["Accelerator"] == "NNA"
    assert "TargetDevice" not in nna["OutputConfig"]  # the overlay's exactly-one rule holds


# ---------------------------------------------------------------- against moto, with defects


@pytest.fixture(scope="module")
def backend():
    with open_backend(BackendOptions(kind="moto")) as opened:
        yield opened


@pytest.fixture
def session(backend):
    run = RunSession(backend)
    yield run
    run.cleanup()


@pytest.fixture
def faulty(session):
    return FaultyMoto(session)


@pytest.mark.parametrize("item", [ACCEPTED, ECHOED, LISTED, VPC], ids=lambda c: c.id)
def test_passes_on_moto(session, item):
    delta.judge(session, item)


def test_operation_added_and_list_accepted_pass_on_moto(session):
    delta.judge(session, case("operation-added", "DeleteCompilationJob", "delta-operation"))
    assert not session.created  # the deleted job is not cleaned up twice
    delta.judge(session, case("list-accepted", "ListCompilationJobs", "delta-accepted", ("SortBy",), "Name"))


def _failure(session, item, basis: str = "model") -> CheckFailure:
    with pytest.raises(CheckFailure) as info:
        delta.judge(session, item)
    assert info.value.example is not None and info.value.basis == basis
    return info.value


def _rejects_amba(request):
    return request.get("OutputConfig", {}).get("TargetDevice") == "amba_cv25"


def test_accepted_fails_when_create_rejects_the_new_value(faulty):
    faulty.break_("CreateCompilationJob", answer(
        400, {"__type": "ValidationException", "message": "Value 'amba_cv25' at 'outputConfig.targetDevice' "
              "failed to satisfy constraint"}, when=_rejects_amba))
    failure = _failure(faulty.session, ACCEPTED)
    assert failure.check == "accepted" and "ValidationException" in failure.message


def _describe_edit(edit):
    return edit_body(lambda body: edit(dict(body)) or body)


def test_echoed_fails_when_describe_returns_another_device(faulty):
    faulty.break_("DescribeCompilationJob", edit_body(
        lambda b: {**b, "OutputConfig": {**b["OutputConfig"], "TargetDevice": "jetson_nano"}}))
    failure = _failure(faulty.session, ECHOED)
    assert failure.check == "delta-echoed" and "returns 'jetson_nano'" in failure.message


def test_listed_fails_when_the_summary_omits_the_device(faulty):
    faulty.break_("ListCompilationJobs", edit_body(lambda b: {**b, "CompilationJobSummaries": [
        {k: v for k, v in s.items() if k != "CompilationTargetDevice"} for s in b["CompilationJobSummaries"]]}))
    failure = _failure(faulty.session, LISTED)
    assert failure.check == "delta-listed" and "CompilationTargetDevice omits it" in failure.message


def test_roundtrip_fails_when_describe_drops_vpc_config(faulty):
    faulty.break_("DescribeCompilationJob", edit_body(lambda b: {k: v for k, v in b.items() if k != "VpcConfig"}))
    failure = _failure(faulty.session, VPC)
    assert failure.check == "delta-roundtrip" and "VpcConfig.Subnets" in failure.message


def test_returned_fails_on_a_malformed_member_and_skips_when_absent(faulty, session):
    faulty.break_("DescribeCompilationJob", edit_body(lambda b: {**b, "InferenceImage": 12345}))
    failure = _failure(faulty.session, IMAGE)
    assert failure.check == "delta-returned" and "InferenceImage" in failure.message
    required = case("describe-returned", "DescribeCompilationJob", "delta-returned", ("Nope",), required=True)
    assert "required" in _failure(faulty.session, required).message


def test_returned_is_skipped_with_its_reason_when_an_optional_member_is_absent(faulty):
    faulty.break_("DescribeCompilationJob", edit_body(lambda b: {k: v for k, v in b.items() if k != "InferenceImage"}))
    with pytest.raises(pytest.skip.Exception, match="did not return InferenceImage"):
        delta.judge(faulty.session, IMAGE)


def test_operation_added_fails_on_a_server_error(faulty):
    faulty.break_("DeleteCompilationJob", answer(500, {"__type": "InternalFailure", "message": "boom"}))
    failure = _failure(faulty.session, case("operation-added", "DeleteCompilationJob", "delta-operation"),
                       basis="assumption")
    assert failure.check == "no-server-error"


# ---------------------------------------------------------------- collection and the CLI


def test_without_since_the_module_is_not_collected(pytester_run):
    proc = pytester_run("--collect-only", "-q")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "test_delta" not in proc.stdout and "delta" not in proc.stdout


def test_with_a_bad_since_the_run_stops_with_one_line(pytester_run, tmp_path):
    proc = pytester_run("--collect-only", "--since", str(tmp_path / "nope.json"))
    assert proc.returncode == 4
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_run_since_writes_delta_results(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--profile", "ci", "--output", str(out), "-q",
         "--since", str(OLD), "--", "-k", "delta and amba_cv25"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    from conformance.checks.clauses import is_run_wide

    results = {r["id"]: r for r in json.loads((out / "report.json").read_text())["results"] if not is_run_wide(r)}
    assert set(results) == {ACCEPTED.id, ECHOED.id, LISTED.id}, proc.stdout[-2000:]
    assert all(r["outcome"] == "passed" and r["basis"] == "model" for r in results.values())
    assert proc.returncode == 0
