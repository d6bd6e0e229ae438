"""`conformance selftest` measures kills honestly: a faithful run with no false alarm, and a
defect counted as killed only when a result that passed on the faithful proxy fails."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.faults.selftest import Outcome, killers


def test_killers_need_a_pass_on_the_faithful_proxy():
    faithful = Outcome("faithful", {"A/x/1": "passed", "B/y/1": "failed", "C/z/1": "skipped"})
    defective = Outcome("d", {"A/x/1": "failed", "B/y/1": "failed", "C/z/1": "error", "D/w/1": "failed"})
    assert killers(faithful, defective) == ["A/x/1"]
    assert killers(faithful, Outcome("e", {"A/x/1": "passed"})) == []


def test_unknown_defect_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "conformance", "selftest", "--defects", "no_such"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "unknown defect(s) no_such" in proc.stderr


@pytest.mark.slow
def test_selftest_kills_founding_defects(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "selftest", "--defects",
         "drop_vpc_config,target_device_stale_enum", "--output", str(tmp_path),
         "--job-seconds", "0.3"],  # the kill accounting needs no running job; short waits keep CI short
        capture_output=True, text=True, timeout=1200,
    )
    summary = json.loads((tmp_path / "selftest.json").read_text())
    assert summary["false_alarms"] == [], proc.stdout
    assert summary["killed"] == 2, proc.stdout
    assert "kill ratio: 2/2 = 100.0%" in proc.stdout
    assert proc.returncode == 0
    rows = {r["defect"]: r for r in summary["rows"]}
    assert any("roundtrip" in rid for rid in rows["drop_vpc_config"]["by"])
    assert "CreateCompilationJob/accepted/2021-06-28-amba_cv25-vpc" in rows["target_device_stale_enum"]["by"]
