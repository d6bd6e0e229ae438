"""Cleanup reaches a job whose Create was cut short: Ctrl-C can land while the Create's answer
is read, after the backend has stored the job and before any test could record its name. The
run's listing cannot be relied on to find it (moto answers every List with HTTP 500 once it
stores a TargetPlatform without Accelerator), so these tests make the listing fail too."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.backends import BackendOptions, open_backend
from conformance.errors import CheckFailure
from conformance.scenarios import FOUNDING_CREATE, setup_job
from conformance.session import RunSession


@pytest.fixture
def session():
    with open_backend(BackendOptions(kind="moto")) as backend:
        session = RunSession(backend)
        session.isolate = False  # these tests are about cleanup, not about finding the job that breaks List
        real = session.caller.call
        session.sent = []  # type: ignore[attr-defined]

        def call(operation, request=None, **kw):
            session.sent.append(operation)  # type: ignore[attr-defined]
            exchange = real(operation, request, **kw)
            if operation == "ListCompilationJobs":
                return dataclasses.replace(exchange, status=500, parsed=None, error_code="InternalFailure")
            return exchange

        session.caller.call = call  # type: ignore[method-assign]
        yield session, real


def _exists(real, name: str) -> bool:
    return real("DescribeCompilationJob", {"CompilationJobName": name}).ok


def test_a_create_interrupted_after_the_backend_stored_it_is_cleaned_up(session):
    session, real = session
    listing_call = session.caller.call

    def interrupted(operation, request=None):
        exchange = listing_call(operation, request)
        if operation == "CreateCompilationJob":
            raise KeyboardInterrupt  # the job is stored; the answer never reaches the test
        return exchange

    session.caller.call = interrupted
    with pytest.raises(KeyboardInterrupt):
        setup_job(session, FOUNDING_CREATE, hint="cut")
    name = next(iter(session.unsettled))
    assert _exists(real, name) and name not in session.created

    session.caller.call = listing_call
    assert session.cleanup() == []
    assert not _exists(real, name), "the job of the interrupted Create was left behind"
    assert not session.unsettled


def test_a_refused_create_and_a_deleted_job_cost_the_cleanup_nothing(session):
    session, real = session
    listing_call = session.caller.call

    def refusing(operation, request=None):
        if operation == "CreateCompilationJob" and "-no-" in request["CompilationJobName"]:
            return dataclasses.replace(listing_call("ListCompilationJobs", {"MaxResults": 1}), operation=operation,
                                       request=request, status=400, error_code="ValidationException")
        return listing_call(operation, request)

    session.caller.call = refusing
    assert session.call("CreateCompilationJob", {**FOUNDING_CREATE, "CompilationJobName": session.new_name("no")}).is_client_error
    sent, _ = setup_job(session, FOUNDING_CREATE, hint="gone")
    assert session.call("DeleteCompilationJob", {"CompilationJobName": sent["CompilationJobName"]}).ok
    session.forget(sent["CompilationJobName"])
    session.sent.clear()
    assert session.cleanup() == []
    assert session.sent == ["ListCompilationJobs"]  # no Delete of a name that has no job


def test_a_duplicate_refused_keeps_the_first_job_for_cleanup(session):
    session, real = session
    sent, _ = setup_job(session, FOUNDING_CREATE, hint="dup")
    name = sent["CompilationJobName"]
    session.forget(name)  # as if Ctrl-C had cut the first Create short
    again = session.call("CreateCompilationJob", sent)
    assert again.is_client_error
    assert name in session.unsettled  # the refusal of the second Create is not the first's
    assert session.cleanup() == [] and not _exists(real, name)


def test_a_setup_job_under_a_chosen_name_is_judged_and_cleaned_up(session):
    """The suite's listings and state machine name their jobs themselves: setup_job sends that
    name, keeps it for cleanup once, and a refusal of it is ``accepted``'s finding."""
    session, real = session
    name = session.new_name("chosen") + "-c"
    sent, exchange = setup_job(session, FOUNDING_CREATE, name=name)
    assert sent["CompilationJobName"] == exchange.request["CompilationJobName"] == name
    with pytest.raises(CheckFailure) as refused:
        setup_job(session, FOUNDING_CREATE, name=name)  # the same name again: refused
    assert refused.value.check == "accepted"
    assert session.created == [name]
    assert session.cleanup() == [] and not _exists(real, name)
