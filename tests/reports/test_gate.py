"""The CI gate on small synthetic baseline/current pairs, and the committed moto baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conformance import cli
from conformance.reports import SCHEMA_PATH

from .helpers import CREATE, DESCRIBE, LIST, STOP, report, result, write

REPO = Path(__file__).resolve().parents[2]
BASELINE_DIR = REPO / "reports" / "baseline"


@pytest.fixture
def baseline(tmp_path):
    return write(tmp_path / "baseline.json", report(
        result(CREATE), result(DESCRIBE), result(LIST),
        result(STOP, "failed", "NotImplementedError"),
    ))


def gate(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["gate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_one_regressed_check_fails_and_ends_with_the_accept_command(tmp_path, baseline, capsys):
    current = write(tmp_path / "current.json", report(
        result(CREATE), result(DESCRIBE, "failed", "VpcConfig: sent [...], Describe omits it"),
        result(LIST), result(STOP, "failed", "NotImplementedError"),
    ))
    code, out, _ = gate(capsys, "--baseline", baseline, current)
    assert code == 1
    assert "REGRESSED" in out and DESCRIBE in out and "VpcConfig" in out
    assert CREATE not in out  # unchanged results are not listed
    assert out.rstrip().splitlines()[-1].strip() == f"conformance gate --baseline {baseline} {current} --update"


def test_improvement_only_passes_and_prints_it(tmp_path, baseline, capsys):
    current = write(tmp_path / "current.json", report(
        result(CREATE), result(DESCRIBE), result(LIST), result(STOP),
        result("DeleteCompilationJob/accepted/generated", "failed", "new and failing"),
    ))
    code, out, _ = gate(capsys, "--baseline", baseline, current)
    assert code == 0, out
    assert "Improved (1)" in out and STOP in out
    assert "New (not in the baseline) (1)" in out  # a new failure is shown, not gated
    assert "To record the improved, new results in the baseline:" in out
    assert out.rstrip().endswith("--update")


def test_new_results_only_say_so(tmp_path, baseline, capsys):
    current = write(tmp_path / "current.json", report(
        result(CREATE), result(DESCRIBE), result(LIST), result(STOP, "failed", "NotImplementedError"),
        result("ListCompilationJobs/paginator-agrees/PageSize=2"),
    ))
    code, out, _ = gate(capsys, "--baseline", baseline, current)
    assert code == 0 and "To record the new results in the baseline:" in out and "Improved" not in out


def test_disappeared_result_fails(tmp_path, baseline, capsys):
    current = write(tmp_path / "current.json", report(result(CREATE), result(DESCRIBE), result(STOP)))
    code, out, _ = gate(capsys, "--baseline", baseline, current)
    assert code == 1
    assert "DISAPPEARED" in out and LIST in out


def test_skipped_counts_as_no_longer_passing(tmp_path, baseline, capsys):
    current = write(tmp_path / "current.json", report(
        result(CREATE), result(DESCRIBE, "skipped", "never applied"), result(LIST),
        result(STOP, "failed")))
    code, out, _ = gate(capsys, "--baseline", baseline, current)
    assert code == 1 and DESCRIBE in out


def test_identical_passes(baseline, capsys):
    code, out, _ = gate(capsys, "--baseline", baseline, baseline)
    assert code == 0 and "the baseline matches" in out


def test_update_rewrites_the_baseline_and_then_the_gate_passes(tmp_path, baseline, capsys):
    current_data = report(result(CREATE), result(DESCRIBE, "failed", "x", duration_s=0.1,
                                                 example={"request": {}}), result(STOP))
    current = write(tmp_path / "current.json", current_data)
    assert gate(capsys, "--baseline", baseline, current)[0] == 1
    code, out, _ = gate(capsys, "--baseline", baseline, current, "--update")
    assert code == 0 and "baseline updated" in out
    written = json.loads(Path(baseline).read_text())
    assert [r["id"] for r in written["results"]] == [r["id"] for r in current_data["results"]]
    assert all("duration_s" not in r and "example" not in r for r in written["results"])
    assert gate(capsys, "--baseline", baseline, current)[0] == 0
    new = str(tmp_path / "sub" / "new.json")
    assert gate(capsys, "--baseline", new, current, "--update")[0] == 0
    assert Path(new).exists()


@pytest.mark.parametrize("make,needle", [
    (lambda d: None, "no such"),
    (lambda d: write(d / "x.json", "{not json"), "not JSON"),
    (lambda d: write(d / "x.json", {"hello": 1}), "not a conformance report"),
    (lambda d: write(d / "x.json", {**report(result(CREATE)), "schema_version": 2}), "schema_version 2"),
    (lambda d: write(d / "x.json", {**report(result(CREATE)), "summary": {"passed": "one"}}), "not a valid report"),
    (lambda d: write(d / "x.json", report(result(CREATE, "green"))), "not a valid report"),
], ids=["missing", "not-json", "not-a-report", "schema-version", "schema-invalid", "bad-outcome"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, baseline, capsys, make, needle):
    bad = make(tmp_path) or str(tmp_path / "missing.json")
    for argv in (["--baseline", baseline, bad], ["--baseline", bad, baseline]):
        code, out, err = gate(capsys, *argv)
        assert code == 2
        assert needle in err and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err


def test_missing_baseline_names_the_command_that_creates_it(tmp_path, baseline, capsys):
    code, _, err = gate(capsys, "--baseline", str(tmp_path / "none.json"), baseline)
    assert code == 2 and "--update" in err


def test_bad_input_from_the_command_line_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "conformance", "gate", "--baseline",
                           str(tmp_path / "a.json"), str(tmp_path / "b.json")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no such file" in proc.stderr


@pytest.mark.parametrize("path", sorted(BASELINE_DIR.glob("*.json")), ids=lambda p: p.name)
def test_committed_baselines_are_valid_reports(path):
    data = json.loads(path.read_text())
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(data)
    assert data["backend"]["kind"] == path.stem
    assert data["results"] and sum(data["summary"].values()) == len(data["results"])
    assert "cf-" not in json.dumps([r["id"] for r in data["results"]])  # ids carry no run prefix


def test_moto_baseline_is_committed():
    assert (BASELINE_DIR / "moto.json").exists()


def test_an_interrupted_run_is_not_accepted_as_baseline(tmp_path, baseline, capsys):
    partial = report(result(CREATE))
    partial["interrupted"] = True
    current = write(tmp_path / "current.json", partial)
    before = Path(baseline).read_text()
    code, _, err = gate(capsys, "--baseline", baseline, current, "--update")
    assert code == 2 and "interrupted" in err and len(err.strip().splitlines()) == 1
    assert Path(baseline).read_text() == before  # nothing is lost
    code, out, _ = gate(capsys, "--baseline", baseline, current)  # and it cannot pass the gate
    assert code == 1 and "DISAPPEARED" in out.upper()


def test_a_flaky_result_keeps_the_shared_outcomes_in_report_json_and_is_flaky_to_the_gate(tmp_path, baseline, capsys):
    """report.json is read by other tools against the shared contract (four outcomes): a flaky
    result is written passed with its flaky record, counted among the passed, and the gate
    reads it back as flaky: listed, not a regression."""
    from conformance.reports import FLAKY
    from conformance.reports import write as write_report

    flaky = result(DESCRIBE, FLAKY, "failed once, held when run again: x",
                   flaky={"message": "x", "example": None, "unsteady_exchanges": 1})
    data = report(result(CREATE), result(LIST), result(STOP, "failed"), flaky)
    data["summary"] = {"passed": 2, "failed": 1, "skipped": 0, "error": 0, FLAKY: 1}
    write_report(data, tmp_path / "run")
    written = json.loads((tmp_path / "run" / "report.json").read_text())
    assert {r["outcome"] for r in written["results"]} == {"passed", "failed"}
    assert written["summary"]["passed"] == 3 and written["summary"][FLAKY] == 1
    code, out, _ = gate(capsys, "--baseline", baseline, str(tmp_path / "run" / "report.json"))
    assert code == 0 and "flaky" in out and DESCRIBE in out
    from conformance.reports import load as load_report

    assert {r["id"]: r["outcome"] for r in load_report(tmp_path / "run" / "report.json")["results"]}[DESCRIBE] == FLAKY


def test_what_report_json_holds_keeps_the_shared_contract(tmp_path):
    """Other tools read report.json against the shared contract (../shared/report.schema.json
    beside the checkout, when there is one): this project's extensions are optional members
    only, a flaky result included."""
    shared = REPO.parent / "shared" / "report.schema.json"
    if not shared.exists():
        pytest.skip("no ../shared/report.schema.json beside this checkout")
    from conformance.reports import FLAKY
    from conformance.reports import write as write_report

    data = report(result(CREATE), result(STOP, "failed"),
                  result(LIST, "skipped", "blocked", blocked_by=STOP),
                  result(DESCRIBE, FLAKY, "failed once", flaky={"message": "x", "example": None}))
    data["summary"] = {"passed": 1, "failed": 1, "skipped": 1, "error": 0, FLAKY: 1}
    write_report(data, tmp_path)
    written = json.loads((tmp_path / "report.json").read_text())
    jsonschema.Draft202012Validator(json.loads(shared.read_text())).validate(written)
