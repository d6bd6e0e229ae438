"""Installed, the plugin is in every pytest session of the environment. In another project's
session it registers its options and markers and does nothing else: that project's Hypothesis
profile, settings, exit code and files stay what that project made them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.plugin import SUITE_DIR

from .cassettes.test_record_replay import clean_env

CONFTEST = '''
from hypothesis import settings

settings.register_profile("mine", max_examples=7, deadline=1000)
settings.load_profile("mine")
'''

TESTS = '''
import os

import pytest
from hypothesis import given, settings, strategies as st

SEEN = []


def test_own_profile_and_settings(pytestconfig):
    # installed and loaded (unless -p no:conformance)
    assert pytestconfig.pluginmanager.has_plugin("conformance") is (os.environ["PLUGIN"] == "on")
    assert settings.get_current_profile_name() == "mine"
    assert settings.default.max_examples == 7
    assert settings.default.deadline.total_seconds() == 1
    names = {pytestconfig.pluginmanager.get_name(p) for p in pytestconfig.pluginmanager.get_plugins()}
    assert not {n for n in names if n and n.startswith("conformance-")}, names


@given(st.integers())
def test_draws_its_own_example_count(n):
    SEEN.append(n)


def test_drew_at_most_seven():  # runs after the @given test (definition order)
    assert 1 <= len(SEEN) <= 7, len(SEEN)


@pytest.mark.skip(reason="this project's own skip")
def test_skipped():
    pass
'''

#: Settings that the plugin would refuse, had it resolved them: it must not, here.
PYPROJECT = '''
[tool.pytest.ini_options]
addopts = "-p no:cacheprovider"

[tool.conformance]
backend = "nowhere"
report_dir = "conformance-reports"
'''


#: ... and an environment setting it would refuse too.
ENV = {"CONFORMANCE_MAX_ATTEMPTS": "many", "PLUGIN": "on"}


@pytest.fixture
def unrelated(tmp_path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text(CONFTEST)
    (project / "test_mine.py").write_text(TESTS)
    (project / "pyproject.toml").write_text(PYPROJECT)
    return project


def pytest_in(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**clean_env(project), **(env or {})}
    return subprocess.run([sys.executable, "-m", "pytest", *args], capture_output=True, text=True,
                          cwd=project, env=env, timeout=300)


def test_another_project_keeps_its_profile_settings_and_files(unrelated):
    proc = pytest_in(unrelated, env=ENV)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "3 passed, 1 skipped" in proc.stdout
    assert "conformance:" not in proc.stdout + proc.stderr
    assert not (unrelated / "conformance-reports").exists()
    # ... as without the plugin at all.
    without = pytest_in(unrelated, "-p", "no:conformance", env={**ENV, "PLUGIN": "off"})
    assert without.returncode == 0 and "3 passed, 1 skipped" in without.stdout


def test_another_projects_all_skipped_run_keeps_exit_code_0(unrelated):
    proc = pytest_in(unrelated, "-k", "skipped", env=ENV)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "1 skipped" in proc.stdout


def test_a_conformance_option_asks_for_the_conformance_session(unrelated):
    """Given one of its options, the plugin resolves its settings: here the refused ones are
    reported, one line, pytest's usage-error code."""
    proc = pytest_in(unrelated, "--region", "eu-west-1", env=ENV)
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "max_attempts must be a whole number, at least 1, got 'many'" in proc.stderr
    proc = pytest_in(unrelated, "--region", "eu-west-1")
    assert proc.returncode == 4 and "unknown backend 'nowhere'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_option_gives_conformance_tests_the_suites_profile_and_a_report(tmp_path):
    (tmp_path / "test_own.py").write_text('''
import pytest
from hypothesis import settings


@pytest.mark.conformance(operation="DescribeCompilationJob", check="accepted", case="own")
def test_own():
    assert settings.get_current_profile_name() == "dev"
''')
    proc = pytest_in(tmp_path, "test_own.py", "-p", "no:cacheprovider", "--report-dir", "out")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [(r["id"], r["outcome"]) for r in report["results"]] == [
        ("DescribeCompilationJob/accepted/own", "passed")]


@pytest.mark.parametrize("args,asked", [
    ([str(SUITE_DIR)], True),
    ([str(SUITE_DIR / "test_founding.py") + "::test_founding_create_accepted"], True),
    ([str(SUITE_DIR.parent)], True),  # pytest recurses into the suite from its package
    ([str(SUITE_DIR.parent), f"--ignore={SUITE_DIR}"], False),
    (["--pyargs", "conformance.suite"], True),
], ids=["suite", "a-test-of-it", "its-package", "its-package-ignoring-it", "pyargs"])
def test_collecting_the_suite_asks_for_it(tmp_path, args, asked):
    proc = pytest_in(tmp_path, *args, "--collect-only", "-p", "no:cacheprovider", "--rootdir", str(tmp_path))
    assert ("conformance: backend=moto" in proc.stdout) is asked, proc.stdout[-3000:] + proc.stderr[-3000:]
