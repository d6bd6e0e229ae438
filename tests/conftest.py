"""Fixtures for the project's own tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

import conformance.plugin  # noqa: F401  (registers the ci, dev and thorough profiles)

SUITE = Path(__file__).resolve().parent.parent / "conformance" / "suite"


def pytest_configure(config: pytest.Config) -> None:
    """The project's own tests are not the conformance suite, so the plugin leaves their
    Hypothesis profile alone; they load the suite's default (``dev``) themselves, as any
    project would, unless ``--hypothesis-profile`` chose one."""
    if not config.getoption("hypothesis_profile", default=None):
        settings.load_profile("dev")


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


@pytest.fixture
def moto_session():
    """A run's session on moto in-process; its jobs are deleted after the test."""
    from conformance.backends import BackendOptions, open_backend
    from conformance.session import RunSession

    with open_backend(BackendOptions(kind="moto")) as backend:
        session = RunSession(backend)
        yield session
        session.cleanup()
