"""The recording path of a real account, with moto's server standing in for AWS: Create requests
carry the configured role and S3 locations, the account id is masked before anything is written,
and the masked recording replays offline with the same verdicts."""

from __future__ import annotations

import json

import pytest
import yaml

from conformance import cassettes
from conformance.backends import moto_server

from .test_record_replay import clean_env, outcomes

ACCOUNT = "111122223333"  # moto's server takes a 12-digit access key id as the account
CONFIG = {
    "CONFORMANCE_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/NeoConformance",
    "CONFORMANCE_S3_MODEL_URI": f"s3://neo-{ACCOUNT}/models/resnet50.tar.gz",
    "CONFORMANCE_S3_OUTPUT_LOCATION": f"s3://neo-{ACCOUNT}/compiled/",
}
SELECT = "founding or test_missing_job"


def run(tmp_path, name: str, *args: str, env: dict[str, str]) -> dict:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--backend", "aws", "--cassette-dir",
         str(tmp_path / "cassettes"), "--output", str(tmp_path / name), "-q", *args],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((tmp_path / name / "report.json").read_text())


@pytest.mark.slow
def test_account_recording_is_masked_uses_the_configured_resources_and_replays(tmp_path):
    env = {**clean_env(tmp_path), **CONFIG, "AWS_ACCESS_KEY_ID": ACCOUNT, "AWS_SECRET_ACCESS_KEY": "testing",
           "CONFORMANCE_RECORDED_AGAINST": "aws"}
    with moto_server() as url:
        live = run(tmp_path, "live", "--endpoint-url", url, "--record-mode", "all", "--",
                   "-k", SELECT, "--mask-account", env=env)
    texts = {p: p.read_text() for p in cassettes.cassette_files(tmp_path / "cassettes")}
    assert texts and not [p.name for p, t in texts.items() if ACCOUNT in t]
    founding = yaml.safe_load(texts[tmp_path / "cassettes/test_founding/test_founding_describe[roundtrip].yaml"])
    meta = founding["metadata"]["conformance"]
    assert meta["recorded_against"] == "aws" and meta["account_masked"] is True
    assert meta["resources"]["role_arn"] == "arn:aws:iam::123456789012:role/NeoConformance"
    create = json.loads(founding["interactions"][0]["request"]["body"])
    assert create["RoleArn"] == meta["resources"]["role_arn"]
    assert create["InputConfig"]["S3Uri"] == "s3://neo-123456789012/models/resnet50.tar.gz"
    assert create["OutputConfig"]["S3OutputLocation"] == "s3://neo-123456789012/compiled/"
    assert create["OutputConfig"]["TargetDevice"] == "amba_cv25"  # the rest of the request is kept

    # Offline, with no credentials and none of the configuration: the same verdicts.
    replay = run(tmp_path, "replay", "--", "-k", SELECT, "--block-network", env=clean_env(tmp_path))
    assert outcomes(replay) == outcomes(live)
    assert outcomes(live)["DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc"][0] == "passed"
    assert replay["cassettes"]["sources"][0]["recorded_against"] == "aws"


def test_recording_on_an_account_without_configuration_is_one_line(tmp_path):
    import subprocess
    import sys

    env = {**clean_env(tmp_path), "AWS_ACCESS_KEY_ID": ACCOUNT, "AWS_SECRET_ACCESS_KEY": "x"}
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--backend", "aws", "--record-mode",
                           "once", "--output", "out", "-q"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "recording against AWS needs role_arn, s3_model_uri, s3_output_location" in lines[0]
