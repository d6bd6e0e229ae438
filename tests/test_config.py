"""One documented precedence: flag > pyproject [tool.conformance] > environment > default."""

from __future__ import annotations

import pytest

from conformance.config import resolve
from conformance.errors import UsageError


def test_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_REGION", "eu-west-1")
    monkeypatch.setenv("CONFORMANCE_BACKEND", "server")
    (tmp_path / "pyproject.toml").write_text('[tool.conformance]\nbackend = "aws"\nrole_arn = "arn:x"\n')
    got = resolve({"backend": None, "region": None}, tmp_path)
    assert got["region"] == "eu-west-1"  # environment over default
    assert got["backend"] == "aws"  # pyproject over environment
    assert got["role_arn"] == "arn:x"  # other rooms' keys pass through
    assert resolve({"backend": "moto"}, tmp_path)["backend"] == "moto"  # flag over all


def test_defaults(tmp_path, monkeypatch):
    for key in ("BACKEND", "REGION", "RECORD_MODE", "MAX_ATTEMPTS"):
        monkeypatch.delenv(f"CONFORMANCE_{key}", raising=False)
    got = resolve({}, tmp_path)
    assert (got["backend"], got["region"], got["record_mode"], got["max_attempts"]) == (
        "moto", "us-east-1", "none", 8)


def test_corrupt_pyproject_is_a_usage_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.conformance\nbackend=")
    with pytest.raises(UsageError, match="not valid TOML"):
        resolve({}, tmp_path)


def test_poll_budget(tmp_path, monkeypatch):
    monkeypatch.delenv("CONFORMANCE_POLL_BUDGET", raising=False)
    assert resolve({}, tmp_path)["poll_budget"] == 60.0
    (tmp_path / "pyproject.toml").write_text('[tool.conformance]\npoll_budget = 900\n')
    assert resolve({}, tmp_path)["poll_budget"] == 900.0
    assert resolve({"poll_budget": 5}, tmp_path)["poll_budget"] == 5.0
    for bad, why in (("-1", "not negative"), ("soon", "number of seconds")):
        with pytest.raises(UsageError, match=why):
            resolve({"poll_budget": bad}, tmp_path)
