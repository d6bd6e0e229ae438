"""Behaviour over several calls: ARNs, List summaries, duplicates, invalid input, pagination,
filters, sorting, timestamps, delete. Every listing filters by the run's own prefix (safety)."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from conformance import checks
from conformance.checks import CheckContext
from conformance.model import operation
from conformance.scenarios import FOUNDING_CREATE, create_requests

#: Pages a walk may take before the backend is judged never to end pagination.
MAX_PAGES = 20
#: Constraint kinds whose rejection AWS documents through the model. Left out:
#: ``unknown_member`` (whether AWS rejects or ignores an undeclared member is not public) and
#: ``wrong_type`` (botocore's serializer cannot put most wrong types on the wire at all).
INVALID_KINDS = ("missing_required", "enum", "min_length", "max_length",
                 "pattern", "min_value", "max_value", "list_size")


def _judge(check, exchange, ctx=None):
    if not checks.get(check)(exchange, ctx):
        pytest.skip(f"{check} does not apply: {exchange.describe()}")


@pytest.mark.conformance(check="arn-names-job", case="generated")
@pytest.mark.parametrize("operation", ["CreateCompilationJob", "DescribeCompilationJob"])
def test_arn_names_job(conformance_session, operation):
    @given(create=create_requests())
    def run(create):
        sent, exchange = conformance_session.create_job(create)
        if operation == "DescribeCompilationJob":
            exchange = conformance_session.call(operation, {"CompilationJobName": sent["CompilationJobName"]})
        checks.get("accepted")(exchange)
        _judge("arn-names-job", exchange, CheckContext(sent=sent))

    run()


@pytest.mark.conformance(operation="ListCompilationJobs", check="list-summary", case="generated")
def test_list_summary(conformance_session):
    @given(create=create_requests())
    def run(create):
        sent, _ = conformance_session.create_job(create)
        page = conformance_session.call("ListCompilationJobs", {"NameContains": sent["CompilationJobName"]})
        checks.get("accepted")(page)
        _judge("list-summary", page, CheckContext(sent=sent))

    run()


@pytest.mark.conformance(operation="CreateCompilationJob", check="duplicate-name", case="same-name-twice")
def test_duplicate_name(conformance_session):
    sent, _ = conformance_session.create_job(FOUNDING_CREATE, hint="dup")
    again = conformance_session.call("CreateCompilationJob", sent)
    _judge("duplicate-name", again)


@pytest.mark.conformance(check="invalid-rejected", case="generated")
@pytest.mark.parametrize("operation", ["CreateCompilationJob", "ListCompilationJobs"])
def test_invalid_rejected(conformance_session, operation):
    import strategies

    @given(drawn=strategies.invalid_requests(_op(operation), kinds=INVALID_KINDS))
    def run(drawn):
        request, violation = drawn
        created = None
        if operation == "CreateCompilationJob":
            name = conformance_session.new_name("invalid")
            if violation.path[:1] != ("CompilationJobName",):
                request = {**request, "CompilationJobName": name}
            exchange = conformance_session.call(operation, request)
            if exchange.ok:
                conformance_session.created.append(request.get("CompilationJobName", name))
            probe = conformance_session.call("DescribeCompilationJob", {"CompilationJobName": request.get("CompilationJobName", name)}) \
                if isinstance(request.get("CompilationJobName"), str) and conformance_session.owns(request["CompilationJobName"]) else None
            if probe is not None and probe.ok:
                created = request["CompilationJobName"]
        else:
            if violation.path[:1] != ("NameContains",):
                request = {**request, "NameContains": conformance_session.prefix}
            request.pop("NextToken", None) if violation.path[:1] != ("NextToken",) else None
            exchange = conformance_session.call(operation, request)
        checks.get("invalid-rejected")(exchange, CheckContext(expect={"violation": violation, "created": created}))

    run()


def _op(name):
    return operation(name)


@pytest.fixture(scope="module")
def listing_jobs(conformance_session):
    """Five jobs whose names are not in creation order, under one shared stem."""
    stem = conformance_session.new_name("list")
    names = []
    for suffix in ("c", "a", "e", "b", "d"):
        request = {**FOUNDING_CREATE, "CompilationJobName": f"{stem}-{suffix}"}
        exchange = conformance_session.call("CreateCompilationJob", request)
        checks.get("no-server-error")(exchange)
        checks.get("accepted")(exchange)
        conformance_session.created.append(request["CompilationJobName"])
        names.append(request["CompilationJobName"])
    return stem, names


@pytest.mark.conformance(operation="ListCompilationJobs", check="pagination-walk")
@pytest.mark.parametrize("case", ["MaxResults=1", "MaxResults=2", "MaxResults=3"])
def test_pagination_walk(conformance_session, listing_jobs, case):
    k = int(case.split("=")[1])
    stem, names = listing_jobs
    pages, token = [], None
    for _ in range(MAX_PAGES):
        request = {"NameContains": stem, "MaxResults": k, **({"NextToken": token} if token else {})}
        page = conformance_session.call("ListCompilationJobs", request)
        pages.append(page)
        body = page.parsed if page.ok and isinstance(page.parsed, dict) else {}
        token = body.get("NextToken")
        if not page.ok or not token:
            break
    bounded = bool(token) and len(pages) == MAX_PAGES
    ctx = CheckContext(expect={"pages": pages, "k": k, "expected": names, "bounded": bounded})
    checks.get("pagination-walk")(pages[-1], ctx)


@pytest.mark.conformance(operation="ListCompilationJobs", check="garbage-token", case="never-issued")
def test_garbage_token(conformance_session, listing_jobs):
    stem, _ = listing_jobs
    page = conformance_session.call("ListCompilationJobs", {"NameContains": stem, "NextToken": "cf-garbage-token-never-issued"})
    checks.get("garbage-token")(page)


FILTERS = {
    "NameContains": lambda stem, names: ({"NameContains": names[2]}, [names[2]], False),
    "SortBy=Name-Ascending": lambda stem, names: ({"NameContains": stem, "SortBy": "Name", "SortOrder": "Ascending"}, sorted(names), True),
    "SortBy=Name-Descending": lambda stem, names: ({"NameContains": stem, "SortBy": "Name", "SortOrder": "Descending"}, sorted(names, reverse=True), True),
    "SortBy=CreationTime-Ascending": lambda stem, names: ({"NameContains": stem, "SortBy": "CreationTime", "SortOrder": "Ascending"}, None, True),
    "SortBy=CreationTime-Descending": lambda stem, names: ({"NameContains": stem, "SortBy": "CreationTime", "SortOrder": "Descending"}, None, True),
}


@pytest.mark.conformance(operation="ListCompilationJobs", check="filter-oracle")
@pytest.mark.parametrize("case", list(FILTERS))
def test_filter_oracle(conformance_session, listing_jobs, case):
    stem, names = listing_jobs
    request, oracle, ordered = FILTERS[case](stem, names)
    if oracle is None:
        # Creation order, from each job's own CreationTime (ties keep the creation order).
        times = []
        for name in names:
            d = conformance_session.call("DescribeCompilationJob", {"CompilationJobName": name})
            checks.get("accepted")(d)
            times.append((d.wire()["CreationTime"], names.index(name), name))
        if len({t for t, _, _ in times}) < len(times):
            pytest.skip("jobs share a CreationTime: creation order is not observable on this backend")
        oracle = [n for _, _, n in sorted(times, reverse=request["SortOrder"] == "Descending")]
    page = conformance_session.call("ListCompilationJobs", {**request, "MaxResults": 100})
    checks.get("filter-oracle")(page, CheckContext(expect={"oracle": oracle, "ordered": ordered}))


@pytest.mark.conformance(operation="DescribeCompilationJob", check="gone-after-delete", case="deleted")
def test_gone_after_delete(conformance_session):
    sent, _ = conformance_session.create_job(FOUNDING_CREATE, hint="gone")
    name = sent["CompilationJobName"]
    conformance_session.wait_terminal(name)
    deleted = conformance_session.call("DeleteCompilationJob", {"CompilationJobName": name})
    checks.get("accepted")(deleted)
    if name in conformance_session.created:
        conformance_session.created.remove(name)
    _judge("gone-after-delete", conformance_session.call("DescribeCompilationJob", {"CompilationJobName": name}))
