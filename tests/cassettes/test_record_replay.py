"""Record a live run against the embedded moto server, replay it offline, and get the same verdicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import jsonschema
import pytest
import yaml

from conformance import cassettes
from conformance.commands.record_fixtures import collect_nodeids
from conformance.commands.run import SUITE_DIR
from conformance.reports import SCHEMA_PATH

REPO = Path(__file__).resolve().parents[2]


def clean_env(home: Path) -> dict[str, str]:
    """No AWS credentials, profiles or conformance settings from the machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONFORMANCE_"))}
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / "none"), AWS_SHARED_CREDENTIALS_FILE=str(home / "none"))
    return env


def conformance(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True, text=True,
                          timeout=900, cwd=cwd, env=clean_env(home))


def outcomes(report: dict) -> dict[str, tuple[str, str | None]]:
    """The results of the tests themselves: outcome and the checks' own message (Hypothesis'
    ``Falsifying example`` notes are how an example prints, which its pretty-printer decides,
    not a verdict). Run-wide results (wire clauses, isolation) also judge exchanges outside every
    cassette (the recording run's cleanup), so they are left out."""
    from conformance.checks.clauses import is_run_wide

    return {r["id"]: (r["outcome"], r.get("message") and r["message"].split("\nFalsifying example")[0])
            for r in report["results"] if not is_run_wide(r)}


#: The part of the suite recorded here: fixed requests, drawn ones and error answers. Recording
#: the whole suite costs minutes of CI; that every test has a shipped cassette, and that the
#: shipped ones replay, is tested below.
RECORDED = "test_founding or test_errors or test_requests"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, dict]:
    work = tmp_path_factory.mktemp("record")
    proc = conformance("record-fixtures", "--cassette-dir", str(work / "cassettes"),
                       "--output", str(work / "live"), "-q", "--", "-k", RECORDED, cwd=work, home=work)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "against moto-server" in proc.stdout
    return work / "cassettes", json.loads((work / "live" / "report.json").read_text())


@pytest.mark.slow
def test_replay_offline_gives_the_recorded_verdicts(recorded, tmp_path):
    directory, live = recorded
    # moto's server is stopped (record-fixtures stops it); pytest-recording blocks the network.
    proc = conformance("run", "--backend", "aws", "--cassette-dir", str(directory), "--output",
                       str(tmp_path / "replay"), "-q", "--", "--block-network", "-k", RECORDED,
                       cwd=tmp_path, home=tmp_path)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    replay = json.loads((tmp_path / "replay" / "report.json").read_text())
    assert outcomes(replay) == outcomes(live)
    assert live["results"] and outcomes(replay)
    section = replay["cassettes"]
    assert section["replayed"] == section["used"] == live["cassettes"]["recorded"] > 0
    assert section["missing"] == section["unmatched"] == 0 and section["record_mode"] == "none"
    assert [s["recorded_against"] for s in section["sources"]] == ["moto-server"]


def test_one_test_replays_alone(recorded, tmp_path):
    """Names are scoped per test, so a test replays whatever ran before it."""
    directory, live = recorded
    proc = conformance("run", "--backend", "aws", "--cassette-dir", str(directory), "--output",
                       str(tmp_path / "one"), "-q", "--", "-k", "test_founding_describe and roundtrip",
                       cwd=tmp_path, home=tmp_path)
    replay = json.loads((tmp_path / "one" / "report.json").read_text())
    assert outcomes(replay) == {k: v for k, v in outcomes(live).items() if k in outcomes(replay)}
    assert [o for o, _ in outcomes(replay).values()] == ["passed"], proc.stdout[-2000:]


def test_recordings_are_labelled_and_scrubbed(recorded):
    directory, _ = recorded
    files = cassettes.cassette_files(directory)
    assert files
    for path in files:
        data = yaml.safe_load(path.read_text())
        meta = data["metadata"]["conformance"]
        assert meta["recorded_against"] == "moto-server" and meta["botocore"] and meta["suite"]
        for interaction in data["interactions"]:
            headers = {h.lower() for h in interaction["request"]["headers"]}
            assert not headers & {"authorization", "x-amz-date", "user-agent", "x-amz-security-token"}
            assert not any(h.startswith("amz-sdk-") for h in headers)


def test_unrecorded_request_is_a_skip_naming_the_operation_and_the_command(recorded, tmp_path):
    directory = tmp_path / "cassettes"
    shutil.copytree(recorded[0], directory)
    name = "test_founding/test_founding_describe[roundtrip].yaml"
    data = yaml.safe_load((directory / name).read_text())
    data["interactions"] = data["interactions"][:2]  # keep the Create and its listing probe, lose the Describe
    (directory / name).write_text(yaml.safe_dump(data))
    (directory / "test_founding/test_founding_describe[response-shape].yaml").unlink()
    conformance("run", "--backend", "aws", "--cassette-dir", str(directory), "--output", str(tmp_path / "out"),
                "-q", "--", "-k", "test_founding_describe", cwd=tmp_path, home=tmp_path)
    results = {r["id"]: r for r in json.loads((tmp_path / "out" / "report.json").read_text())["results"]}
    missing = results["DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc"]
    assert missing["outcome"] == "skipped"
    assert "no recorded DescribeCompilationJob" in missing["message"]
    assert "conformance record-fixtures" in missing["message"]
    section = json.loads((tmp_path / "out" / "report.json").read_text())["cassettes"]
    assert (section["unmatched"], section["missing"]) == (1, 1)
    no_file = results["DescribeCompilationJob/response-shape/2021-06-28-amba_cv25-vpc"]
    assert no_file["outcome"] == "skipped" and "no cassette " in no_file["message"]


def test_corrupt_cassette_exits_2_with_one_line(tmp_path):
    (tmp_path / "cassettes" / "test_errors").mkdir(parents=True)
    (tmp_path / "cassettes" / "test_errors" / "broken.yaml").write_text("interactions: [\n  - request: {")
    proc = conformance("run", "--backend", "aws", "--cassette-dir", "cassettes", "--output", "out", "-q",
                       cwd=tmp_path, home=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "corrupt cassette cassettes/test_errors/broken.yaml" in lines[0], proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_shipped_cassettes_replay_without_credentials(tmp_path):
    """A fresh clone: no credentials, no server, no network; replay and report."""
    proc = conformance("run", "--backend", "aws", "--output", str(tmp_path / "out"), "-q", "--", "--block-network",
                       cwd=REPO, home=tmp_path)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert report["backend"]["kind"] == "aws" and report["results"]
    assert report["summary"]["error"] == 0, [r for r in report["results"] if r["outcome"] == "error"][:3]
    section = report["cassettes"]
    assert section["dir"] == "cassettes" and section["replayed"] > 0
    assert {s["recorded_against"] for s in section["sources"]} == {"moto-server"}
    if section["missing"] or section["unmatched"]:
        warnings.warn(f"{section['missing']} conformance tests had no cassette and {section['unmatched']} "
                      f"sent requests their cassette does not hold (skipped); "
                      f"re-record with `{cassettes.RECORD_FIXTURES_COMMAND}`", stacklevel=1)


def test_every_conformance_test_has_a_cassette():
    """Tells how many tests of the current suite have no shipped cassette (they are skipped at
    replay). Strict (a failure) with CONFORMANCE_STRICT_CASSETTES=1, e.g. before a release."""
    nodeids = collect_nodeids(SUITE_DIR)
    assert nodeids
    found = cassettes.coverage(REPO / "cassettes", nodeids)
    message = (f"{len(found['missing'])} of {found['tests']} conformance tests have no cassette; "
               f"{len(found['orphaned'])} cassettes belong to no test; re-record with "
               f"`{cassettes.RECORD_FIXTURES_COMMAND} --prune`")
    print(message)
    for nodeid in found["missing"][:20]:
        print("  missing:", nodeid)
    if found["missing"] or found["orphaned"]:
        if os.environ.get("CONFORMANCE_STRICT_CASSETTES") == "1":
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
