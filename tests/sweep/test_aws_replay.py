"""``conformance sweep --backend aws``: the shipped sweep cassettes (cassettes/sweep/, recorded
against moto's server) replay offline with the ids and verdicts of a live sweep of that server;
a missing cassette is a note, not a crash; a corrupt one is one line and exit 2; a request the
cassette does not hold stops its family as a stale cassette; a recording on a real account
creates no costly family it was not told to. Narrow (ModelCard: the cheapest family moto
implements) to stay within CI's budget."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
import yaml

from conformance import reports as report
from conformance.backends import Backend, BackendOptions, moto_server
from conformance.cassettes import RecordingConfig
from conformance.cassettes.sweep import SweepCassettes, family_cassette
from conformance.cli import main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "cassettes"
FAMILY = "ModelCard"


def verdicts(directory: Path) -> dict[str, str]:
    written = json.loads((directory / "report.json").read_text())
    report.validate(written)
    return {r["id"]: r["outcome"] for r in written["results"]}


def offline_env(monkeypatch, tmp_path) -> list[object]:
    """No credentials anywhere; a connection attempt is refused and noted."""
    for key in [k for k in os.environ if k.startswith(("AWS_", "CONFORMANCE_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    attempts: list[object] = []

    def refuse(self, address, *a, **kw):
        attempts.append(address)
        raise OSError(f"replay tried the network: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def cassette_dir(tmp_path: Path, *families: str) -> Path:
    out = tmp_path / "cassettes"
    for family in families:
        target = family_cassette(out, family)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(family_cassette(SHIPPED, family), target)
    return out


def test_replay_gives_the_live_servers_ids_and_verdicts(tmp_path, monkeypatch):
    assert main(["sweep", "--backend", "server", "--family", FAMILY, "--output", str(tmp_path / "live")]) == 1
    live = verdicts(tmp_path / "live")
    attempts = offline_env(monkeypatch, tmp_path)
    code = main(["sweep", "--backend", "aws", "--family", FAMILY, "--cassette-dir", str(SHIPPED),
                 "--output", str(tmp_path / "replay")])
    assert code == 1 and attempts == []
    replayed = verdicts(tmp_path / "replay")
    assert replayed == live and len(replayed) > 50
    section = json.loads((tmp_path / "replay" / "report.json").read_text())["cassettes"]
    assert (section["replayed"], section["unmatched"], section["missing"]) == (1, 0, 0)
    assert {s["recorded_against"] for s in section["sources"]} == {"moto-server"}


def test_a_missing_cassette_is_a_skipped_family_not_a_crash(tmp_path, monkeypatch):
    attempts = offline_env(monkeypatch, tmp_path)
    directory = cassette_dir(tmp_path, FAMILY)
    code = main(["sweep", "--backend", "aws", "--family", FAMILY, "--family", "Experiment",
                 "--cassette-dir", str(directory), "--output", str(tmp_path / "out")])
    assert code == 1 and attempts == []
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    results = {r["id"]: r for r in written["results"]}
    missing = results["CreateExperiment/sweep/cassette"]
    assert missing["outcome"] == "skipped" and missing["message"].startswith("no cassette ")
    assert "record-fixtures --sweep" in missing["message"]
    assert written["coverage"]["families"]["Experiment"]["status"] == "no cassette"
    assert written["coverage"]["families"][FAMILY]["status"] == "implemented"
    assert written["cassettes"]["missing"] == 1


def test_an_unmatched_request_stops_its_family_as_a_stale_cassette(tmp_path, monkeypatch):
    offline_env(monkeypatch, tmp_path)
    directory = cassette_dir(tmp_path, FAMILY)
    path = family_cassette(directory, FAMILY)
    data = yaml.load(path.read_text(), Loader=yaml.SafeLoader)
    targets = [i["request"]["headers"].get("X-Amz-Target") for i in data["interactions"]]
    first_list = next(n for n, t in enumerate(targets) if "ListModelCards" in str(t))
    del data["interactions"][first_list]
    path.write_text(yaml.dump(data, Dumper=yaml.SafeDumper))
    main(["sweep", "--backend", "aws", "--family", FAMILY, "--cassette-dir", str(directory),
          "--output", str(tmp_path / "out")])
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    stale = {r["id"]: r for r in written["results"]}["CreateModelCard/sweep/cassette"]
    assert stale["outcome"] == "skipped" and "has no recorded ListModelCards" in stale["message"]
    assert stale["stale_cassette"].endswith("sweep/ModelCard.yaml")
    assert written["coverage"]["families"][FAMILY]["status"] == "stale cassette"
    assert written["cassettes"]["unmatched"] == 1


def test_a_corrupt_cassette_is_one_line_and_exit_2(tmp_path, capsys):
    directory = tmp_path / "cassettes"
    family_cassette(directory, FAMILY).parent.mkdir(parents=True)
    family_cassette(directory, FAMILY).write_text("interactions: [unclosed\n")
    assert main(["sweep", "--backend", "aws", "--family", FAMILY, "--cassette-dir", str(directory)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "corrupt cassette" in err[0] and "ModelCard.yaml" in err[0]
    assert main(["sweep", "--backend", "moto", "--record-mode", "once"]) == 2


@pytest.mark.parametrize("layout", ["missing", "empty", "suite-only"])
def test_a_replay_without_sweep_cassettes_is_one_line_and_exit_2(tmp_path, layout, capsys):
    """Every family would be skipped: refused up front, naming how to record, as `run` does."""
    directory = tmp_path / "cassettes"
    if layout != "missing":
        (directory / "sweep").mkdir(parents=True)
    if layout == "suite-only":
        shutil.copy(SHIPPED / "test_founding" / "test_founding_create_accepted.yaml", directory / "founding.yaml")
    assert main(["sweep", "--backend", "aws", "--cassette-dir", str(directory), "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing to replay" in err[0] and "record-fixtures --sweep" in err[0], err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("against, created", [("aws", False), ("moto-server", True)])
def test_a_recording_on_a_real_account_creates_no_costly_family_unless_named(tmp_path, against, created):
    """UserProfile is not costly but needs a Domain, which is: recorded against a real
    account (label ``aws``), nothing is sent; against moto's server the Domain is made."""
    from conformance import sweep

    directory = tmp_path / "cassettes"
    with moto_server() as url:
        backend = Backend(BackendOptions(kind="aws", endpoint=url, record_mode="once"), endpoint=url)
        config = RecordingConfig(cassette_dir=directory, record_mode="once", endpoint=url, region="us-east-1",
                                 recorded_against=against)
        written = sweep.run(backend, ["UserProfile"], ["implemented"], cassettes=SweepCassettes(config, tmp_path))
    families = written["coverage"]["families"]
    assert (families["UserProfile"]["status"] == "costly (not created)") is not created
    assert family_cassette(directory, "Domain").is_file() is created
    if not created:
        assert written["results"] == [] and not list(directory.rglob("*.yaml"))


def test_the_readme_lists_the_families_resources_py_makes_safe_and_costly():
    """README's two lists (between its sweep-safe-families markers) are the plan's own."""
    import re

    from conformance.sweep import plan

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- sweep-safe-families -->")[1].split("<!-- /sweep-safe-families -->")[0]
    safe, named = (set(re.findall(r"\b[A-Z][A-Za-z0-9]+\b", part.split(":", 1)[1]))
                   for part in block.strip().split("\n\n"))
    order, skipped = plan(None, "aws", real_account=True)
    assert safe == {s.family for s in order}
    assert named == set(skipped)
