"""Fixtures for the project's own tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parent.parent / "conformance" / "suite"


@pytest.fixture
def pytester_run(tmp_path):
    """Run pytest on the packaged suite in a subprocess (as a user would)."""

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pytest", str(SUITE), "-c", str(SUITE / "pytest.ini"),
             "--rootdir", str(tmp_path), "-q", *args],
            capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
        )

    return run
