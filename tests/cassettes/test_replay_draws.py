"""A replay runs the recorded Hypothesis executions, not new draws: it sends the recorded requests
whatever profile, seed or model the replaying process has, and a cassette that lacks what a test
now needs is reported as stale, apart from the backend's answers."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import settings, strategies as st

from conformance import cassettes
from conformance.cassettes import replay
from conformance.errors import UsageError
from strategies import Violation

from .test_record_replay import clean_env, outcomes as verdicts

# ---------------------------------------------------------------- values and the tape, in-process


def test_drawn_values_survive_the_cassette():
    violation = Violation(path=("Tags", 0, "Key"), kind="max_length", detail="129 > 128", clause="Tags[].Key:max-length")
    value = ({"MaxResults": 3, "CreationTimeAfter": dt.datetime(2021, 6, 28, 1, 2, 3, 4000, tzinfo=dt.timezone.utc),
              "Blob": b"\x00\xff", "$odd": [1.5, None, True], "ok": "ū\ud800"}, violation)
    line = replay.dumps({"given": {"drawn": replay.encode(value)}, "draws": []})
    assert line.isascii()
    assert replay.decode(json.loads(line)["given"]["drawn"]) == value


def test_a_cassette_cannot_name_a_class_outside_the_suite():
    with pytest.raises(ValueError, match="outside the suite"):
        replay.decode({"$dataclass": "subprocess:Popen", "fields": {}})


def _recorded(body):
    """Run ``body`` under ``replay.given(data=st.data())`` with a recording tape; its runs."""
    tape = replay.Tape(None, replaying=False)
    replay.ACTIVE.tape = tape
    try:
        settings(max_examples=5, derandomize=True, database=None)(replay.given(data=st.data())(body))()
    finally:
        replay.ACTIVE.tape = None
    return tape.runs


def _draws(data, label=None, times=1) -> None:
    for _ in range(times):
        data.draw(st.integers(0, 9), label=label)


def test_replay_calls_the_body_with_the_recorded_draws_whatever_the_strategy_now_draws():
    sent: list = []
    runs = _recorded(lambda data: sent.append(data.draw(st.integers(0, 10**6), label="n")))
    assert len(runs) == 1 and len(runs[0]) == len(sent) >= 2
    replayed: list = []
    tape = replay.Tape(runs, replaying=True)
    replay.ACTIVE.tape = tape
    try:  # another strategy, another seed: not asked
        settings(max_examples=50, derandomize=False)(replay.given(data=st.data())(
            lambda data: replayed.append(data.draw(st.text(), label="n"))))()
    finally:
        replay.ACTIVE.tape = None
    assert replayed == sent


def test_a_replayed_failure_is_raised_with_its_example_and_draws():
    runs = _recorded(lambda data: _draws(data, label="n"))
    tape = replay.Tape(runs, replaying=True)

    def body(data):
        if data.draw(st.nothing(), label="n") >= 0:
            raise AssertionError("today's check fails the recorded answer")

    replay.ACTIVE.tape = tape
    try:
        with pytest.raises(AssertionError) as caught:
            replay.given(data=st.data())(body)()
    finally:
        replay.ACTIVE.tape = None
    notes = caught.value.__notes__
    assert notes[0].startswith("Falsifying example: body(") and notes[1].startswith("Draw 1 (n): ")


def test_a_test_that_needs_more_than_was_recorded_is_stale():
    runs = _recorded(lambda data: _draws(data))
    stale: list[str] = []

    def on_stale(why):
        stale.append(why)
        pytest.skip(why)

    tape = replay.Tape(runs, replaying=True, on_stale=on_stale)
    replay.ACTIVE.tape = tape
    try:
        with pytest.raises(pytest.skip.Exception):
            replay.given(data=st.data())(lambda data: _draws(data, times=2))()
        with pytest.raises(pytest.skip.Exception):  # a second Hypothesis test in the same test
            replay.given(data=st.data())(lambda data: None)()
    finally:
        replay.ACTIVE.tape = None
    assert "draws more than was recorded" in stale[0] and "more Hypothesis tests (2)" in stale[1]


# ---------------------------------------------------------------- formats


def _cassette(path: Path, metadata: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"interactions": [], "version": 1, "metadata": metadata}))
    return path


def test_format_1_loads_and_a_newer_format_is_one_line_naming_the_re_record_command(tmp_path):
    old = _cassette(tmp_path / "test_x" / "old.yaml", {"conformance": {"recorded_against": "aws"}})
    assert cassettes.validate_file(old, tmp_path)["metadata"]["conformance"]["recorded_against"] == "aws"
    newer = _cassette(tmp_path / "test_x" / "newer.yaml", {replay.DRAWS_KEY: {"format": 99, "runs": []}})
    with pytest.raises(UsageError) as caught:
        cassettes.validate_file(newer, tmp_path)
    assert "test_x/newer.yaml has format 99" in str(caught.value) and cassettes.RECORD_FIXTURES_COMMAND in str(caught.value)
    bad = _cassette(tmp_path / "test_x" / "bad.yaml", {replay.DRAWS_KEY: {"format": 2, "runs": "x"}})
    with pytest.raises(UsageError, match="corrupt cassette test_x/bad.yaml"):
        cassettes.validate_file(bad, tmp_path)


def test_a_newer_format_stops_the_run_with_exit_2(tmp_path):
    newer = {replay.DRAWS_KEY: {"format": replay.FORMAT + 1, "runs": []}}
    _cassette(tmp_path / "cassettes" / "test_errors" / "t.yaml", newer)
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--backend", "aws", "--cassette-dir",
                           "cassettes", "--output", "out", "-q"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=clean_env(tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cassettes/test_errors/t.yaml has format" in lines[0], proc.stderr
    assert "conformance record-fixtures" in lines[0] and "Traceback" not in proc.stdout + proc.stderr


# ---------------------------------------------------------------- independence, end to end

MODULE = '''
import pytest
from hypothesis import given, strategies as st

from conformance import checks
from conformance.checks import CheckContext
from conformance.scenarios import create_requests, setup_job, valid_exchange


@pytest.mark.conformance(operation="CreateCompilationJob", check="accepted", case="drawn")
def test_create(conformance_session):
    @given(data=st.data())
    def run(data):
        exchange, ctx = valid_exchange(conformance_session, "CreateCompilationJob", data)
        checks.get("accepted")(exchange, ctx)

    run()


@pytest.mark.conformance(operation="DescribeCompilationJob", check="roundtrip", case="drawn")
def test_roundtrip(conformance_session):
    @given(create=create_requests())
    def run(create):
        sent, _ = setup_job(conformance_session, create)
        described = conformance_session.call("DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
        checks.get("roundtrip")(described, CheckContext(sent=sent))

    run()
'''

#: Another profile under the recording's name (the cassette plugin loads "ci"): random, fewer examples.
OTHER_PROFILE = '''
from hypothesis import settings
settings.register_profile("ci", max_examples=3, derandomize=False, database=None, deadline=None)
'''

#: A botocore release that adds an enum value: first in the list, so every sampled value shifts.
MODEL_UPDATE = '''
import copy
import botocore.loaders

_load = botocore.loaders.Loader.load_service_model


def load_service_model(self, service_name, type_name, api_version=None):
    data = _load(self, service_name, type_name, api_version)
    if service_name == "sagemaker" and type_name == "service-2":
        data = copy.deepcopy(data)
        data["shapes"]["TargetDevice"]["enum"].insert(0, "amba_cv99")
        data["shapes"]["Framework"]["enum"].insert(0, "NEWFRAMEWORK")
    return data


botocore.loaders.Loader.load_service_model = load_service_model
'''


def _run(tmp_path: Path, name: str, *args: str, conftest: str = "", env: dict | None = None,
         codes: tuple[int, ...] = (0, 1)) -> dict:
    work = tmp_path / name
    work.mkdir()
    (work / "test_drawn.py").write_text(MODULE)
    (work / "conftest.py").write_text(conftest)
    proc = subprocess.run([sys.executable, "-m", "pytest", "test_drawn.py", "--rootdir", str(work), "--backend", "aws",
                           "--cassette-dir", str(tmp_path / "c"), "--report-dir", "out", "-q", "-p", "no:cacheprovider",
                           *args], capture_output=True, text=True, env=env or clean_env(work), cwd=work, timeout=300)
    assert proc.returncode in codes, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads((work / "out" / "report.json").read_text())




@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    from conformance.backends import moto_server

    tmp = tmp_path_factory.mktemp("draws")
    env = {**clean_env(tmp), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "CONFORMANCE_RECORDED_AGAINST": "moto-server"}
    with moto_server() as url:
        live = _run(tmp, "live", "--endpoint-url", url, "--record-mode", "all", env=env)
    assert live["cassettes"]["recorded"] == 2
    return tmp, live


def test_replay_under_another_profile_and_seed_gives_the_recorded_verdicts(recorded):
    tmp, live = recorded
    again = _run(tmp, "profile", "--block-network", "--hypothesis-seed", "12345", conftest=OTHER_PROFILE)
    assert verdicts(again) == verdicts(live) and len(verdicts(live)) == 2
    assert again["cassettes"]["unmatched"] == again["cassettes"]["missing"] == 0


def test_replay_after_a_model_update_adding_an_enum_value_still_matches(recorded):
    tmp, live = recorded
    updated = _run(tmp, "model", "--block-network", conftest=MODEL_UPDATE)
    assert verdicts(updated) == verdicts(live)
    assert updated["cassettes"]["unmatched"] == 0 and updated["cassettes"]["replayed"] == 2


def test_without_the_recorded_draws_the_same_update_leaves_a_stale_cassette(recorded):
    """The control: a cassette of format 1 (draws stripped) replays by drawing again, and the
    model update changes what is drawn: the tests are skipped as stale, not failed."""
    tmp, live = recorded
    old = tmp / "c-old"
    for path in cassettes.cassette_files(tmp / "c"):
        data = yaml.safe_load(path.read_text())
        data["metadata"].pop(replay.DRAWS_KEY)
        data["metadata"]["conformance"].pop("format")
        target = old / path.relative_to(tmp / "c")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(data))
    (tmp / "c").rename(tmp / "c-new")
    old.rename(tmp / "c")
    try:
        same = _run(tmp, "old-same", "--block-network")
        assert verdicts(same) == verdicts(live) and same["cassettes"]["old_format"] == 2
        # every result skipped: a run that judged nothing ends with exit code 2
        updated = _run(tmp, "old-model", "--block-network", conftest=MODEL_UPDATE, codes=(2,))
    finally:
        (tmp / "c").rename(old)
        (tmp / "c-new").rename(tmp / "c")
    assert updated["cassettes"]["unmatched"] == 2
    stale = [r for r in updated["results"] if r.get("stale_cassette")]
    assert {r["id"] for r in stale} == set(verdicts(live))
    assert all(r["outcome"] == "skipped" and "stale cassette: " in r["message"] for r in stale)
