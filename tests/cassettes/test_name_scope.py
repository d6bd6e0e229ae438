"""Per-test name scopes: the names a test makes do not depend on what ran before it."""

from __future__ import annotations

import pytest

from conformance.backends import BackendOptions, open_backend
from conformance.scenarios import FOUNDING_CREATE, setup_job
from conformance.session import RunSession, run_prefix


@pytest.fixture(scope="module")
def session():
    with open_backend(BackendOptions(kind="moto")) as backend:
        yield RunSession(backend, prefix="cf-rec")


def test_names_in_a_scope_ignore_earlier_names_and_stay_unique(session):
    session.new_name()
    session.new_name("x")
    with session.name_scope("test_a/test_one"):
        first = [session.new_name(), session.new_name("hint")]
    with session.name_scope("test_a/test_two"):
        other = session.new_name()
    with session.name_scope("test_a/test_one"):
        again = [session.new_name(), session.new_name("hint")]
    assert first == again  # same test, same names, whatever ran before
    assert first[0].startswith("cf-rec-") and first[1].endswith("-hint-2")
    assert other not in first and session.owns(other)


def test_jobs_made_in_a_scope_are_deleted_on_exit(session):
    with session.name_scope("test_b/test_creates"):
        sent, exchange = setup_job(session, FOUNDING_CREATE, hint="scoped")
        assert exchange.ok and sent["CompilationJobName"] in session.created
    assert sent["CompilationJobName"] not in session.created
    gone = session.call("DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
    assert gone.is_client_error


def test_the_cassette_backend_prefix_is_stable_across_workers(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert run_prefix("aws") == "cf-rec"
    assert run_prefix("moto") != run_prefix("moto") and run_prefix("moto").endswith("w3")


def test_a_run_and_a_sweep_name_by_one_rule(session):
    """RunSession and SpecLedger make names alike (recorded names must not drift between them):
    ``<prefix>-[scope-][hint-]<n>``, the hint cut to 12 letters and digits."""
    from conformance.session import SpecLedger, make_name

    assert make_name("cf-rec", 3, "a b-c!") == "cf-rec-abc-3"
    assert make_name("cf-rec", 1, "", "0a1b2c3d") == "cf-rec-0a1b2c3d-1"
    assert make_name("cf-rec", 2, "averyveryverylonghint") == "cf-rec-averyveryver-2"
    ledger = SpecLedger(caller=None, prefix="cf-rec")  # type: ignore[arg-type]
    run = RunSession(session.backend, prefix="cf-rec")
    assert [ledger.new_name("h"), ledger.new_name()] == [run.new_name("h"), run.new_name()] == ["cf-rec-h-1", "cf-rec-2"]
