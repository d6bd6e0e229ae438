"""Behaviour over several calls: ARNs, List summaries, duplicates, pagination, filters,
sorting, timestamps, delete (invalid input is judged clause by clause in test_clauses.py). Every listing filters by the run's own prefix (safety)."""

from __future__ import annotations

import pytest
from hypothesis import given

from conformance import checks
from conformance.checks import CheckContext
from conformance.model import operation
from conformance.scenarios import FOUNDING_CREATE, create_requests, judge_setup, setup_job

#: Pages a walk may take before the backend is judged never to end pagination.
MAX_PAGES = 20


def _judge(check, exchange, ctx=None):
    if not checks.get(check)(exchange, ctx):
        pytest.skip(f"{check} does not apply: {exchange.describe()}")


@pytest.mark.conformance(check="arn-names-job", case="generated")
@pytest.mark.parametrize("operation", ["CreateCompilationJob", "DescribeCompilationJob"])
def test_arn_names_job(conformance_session, operation):
    @given(create=create_requests())
    def run(create):
        sent, exchange = setup_job(conformance_session, create)
        if operation == "DescribeCompilationJob":
            exchange = conformance_session.call(operation, {"CompilationJobName": sent["CompilationJobName"]})
        checks.get("accepted")(exchange)
        _judge("arn-names-job", exchange, CheckContext(sent=sent))

    run()


@pytest.mark.conformance(operation="ListCompilationJobs", check="list-summary", case="generated")
def test_list_summary(conformance_session):
    @given(create=create_requests())
    def run(create):
        sent, _ = setup_job(conformance_session, create)
        page = conformance_session.call("ListCompilationJobs", {"NameContains": sent["CompilationJobName"]})
        checks.get("accepted")(page)
        _judge("list-summary", page, CheckContext(sent=sent))

    run()


@pytest.mark.conformance(operation="CreateCompilationJob", check="duplicate-name", case="same-name-twice")
def test_duplicate_name(conformance_session):
    sent, _ = setup_job(conformance_session, FOUNDING_CREATE, hint="dup")
    again = conformance_session.call("CreateCompilationJob", sent)
    _judge("duplicate-name", again)


#: Seconds between the listing jobs' two batches: more than twice botocore's whole-second
#: rounding of time filters, so a bound between the batches is > 1 s from every job.
SPREAD_S = 2.3


@pytest.fixture(scope="module", autouse=True)
def listing_first_batch(conformance_session):
    """The listing jobs but the last, sent when the module's first test starts, so the wait
    for SPREAD_S overlaps the tests before the listing ones instead of adding to the run.
    Their answers are judged in ``listing_jobs``: a backend that refuses them fails the
    listing tests only, not every test of the module."""
    import time

    stem = conformance_session.new_name("list")
    sent = [_listing_job(conformance_session, f"{stem}-{suffix}") for suffix in ("c", "a", "e", "b")]
    return stem, sent, time.monotonic()


@pytest.fixture(scope="module")
def listing_jobs(conformance_session, listing_first_batch):
    """Five jobs whose names are not in creation order, under one shared stem; the last one
    made at least SPREAD_S seconds after the others, so time filters can split them; one
    stopped at once."""
    import time

    stem, sent, made_at = listing_first_batch
    if not getattr(conformance_session.backend, "offline", False):
        time.sleep(max(0.0, made_at + SPREAD_S - time.monotonic()))
    sent = [*sent, _listing_job(conformance_session, f"{stem}-d")]
    for _, exchange in sent:
        judge_setup(exchange)
    return stem, [name for name, _ in sent]


def _listing_job(session, name):
    """Send one listing job's Create (and, for ``-e``, its Stop): the name and the Create's answer."""
    _, exchange = session.send_create(FOUNDING_CREATE, name=name)
    if name.endswith("-e"):
        # Where jobs run for a while, this one ends STOPPED, the others COMPLETED: the
        # status filter and sort have two statuses to tell apart. The answer is judged by
        # the lifecycle tests, not here.
        session.call("StopCompilationJob", {"CompilationJobName": name})
    return name, exchange


def _walk(session, stem, k):
    """Walk NextToken by hand with MaxResults ``k``: every page, and whether the walk hit
    MAX_PAGES with a token still to follow."""
    pages, token = [], None
    for _ in range(MAX_PAGES):
        request = {"NameContains": stem, "MaxResults": k, **({"NextToken": token} if token else {})}
        page = session.call("ListCompilationJobs", request)
        pages.append(page)
        body = page.parsed if page.ok and isinstance(page.parsed, dict) else {}
        token = body.get("NextToken")
        if not page.ok or not token:
            break
    return pages, bool(token) and len(pages) == MAX_PAGES


@pytest.mark.conformance(operation="ListCompilationJobs", check="pagination-walk")
@pytest.mark.parametrize("case", ["MaxResults=1", "MaxResults=2", "MaxResults=3"])
def test_pagination_walk(conformance_session, listing_jobs, case):
    k = int(case.split("=")[1])
    stem, names = listing_jobs
    pages, bounded = _walk(conformance_session, stem, k)
    ctx = CheckContext(expect={"pages": pages, "k": k, "expected": names, "bounded": bounded})
    checks.get("pagination-walk")(pages[-1], ctx)


@pytest.mark.conformance(operation="ListCompilationJobs", check="paginator-agrees", case="PageSize=2")
def test_paginator_agrees(conformance_session, listing_jobs):
    """botocore's own paginator over the same listing, bounded like the manual walk (botocore
    stops a token that repeats at once, not a cycle of fresh ones)."""
    stem, names = listing_jobs
    pages, _ = _walk(conformance_session, stem, 2)
    paginated, error, count = [], None, 0
    paginator = conformance_session.caller.client.get_paginator("list_compilation_jobs")
    try:
        for page in paginator.paginate(NameContains=stem, PaginationConfig={"PageSize": 2}):
            count += 1
            if count > MAX_PAGES:
                break
            paginated += [s.get("CompilationJobName") for s in page.get("CompilationJobSummaries", [])]
    except Exception as exc:  # noqa: BLE001 - botocore's, or anything an in-process backend raises
        error = f"{type(exc).__name__}: {exc}"
    ctx = CheckContext(expect={"paginated": paginated, "error": error, "bounded": count > MAX_PAGES,
                               "page_bound": MAX_PAGES, "manual_pages": pages, "expected": names})
    checks.get("paginator-agrees")(pages[-1], ctx)


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


@pytest.fixture(scope="module")
def settled_listing(conformance_session, listing_jobs):
    """The listing jobs once ended (so statuses and LastModifiedTime hold still), as one
    unfiltered listing of the stem shows them: the oracle's source. Needs them COMPLETED, not
    stopped (where jobs take time, ``-e`` alone is STOPPED: two statuses for the status filter
    and sort), so it waits, for all five at once."""
    stem, names = listing_jobs
    conformance_session.waiting.wait(names)
    page = conformance_session.call("ListCompilationJobs", {"NameContains": stem, "MaxResults": 100})
    checks.get("accepted")(page)
    body = page.wire_or_none()
    summaries = {s.get("CompilationJobName"): s for s in (body.get("CompilationJobSummaries") or [])
                 if isinstance(s, dict)} if isinstance(body, dict) else {}
    if set(summaries) != set(names):
        pytest.skip(f"the unfiltered listing shows {sorted(summaries)}, not the jobs {names}: "
                    "no oracle (pagination-walk and filter-oracle/NameContains judge that)")
    if not all(isinstance(s.get(m), int | float) for s in summaries.values()
               for m in ("CreationTime", "LastModifiedTime")):
        pytest.skip("the listing's timestamps are not epoch numbers (response-shape judges that): no oracle")
    return stem, summaries


def _time_cases(member: str) -> dict:
    """Bounds far outside every job (all or none match) and between the two batches."""
    after, before = f"{member}After", f"{member}Before"

    def split(summaries):
        times = sorted((s[member], n) for n, s in summaries.items())
        gap, i = max((times[k + 1][0] - times[k][0], k) for k in range(len(times) - 1))
        if gap < 2.2:
            return None
        return (times[i][0] + times[i + 1][0]) / 2, {n for t, n in times[: i + 1]}

    return {
        f"{after}=before-all": lambda ss: (after, min(s[member] for s in ss.values()) - 10, set(ss)),
        f"{after}=after-all": lambda ss: (after, max(s[member] for s in ss.values()) + 10, set()),
        f"{before}=after-all": lambda ss: (before, max(s[member] for s in ss.values()) + 10, set(ss)),
        f"{before}=before-all": lambda ss: (before, min(s[member] for s in ss.values()) - 10, set()),
        f"{after}=between": lambda ss: split(ss) and (after, split(ss)[0], set(ss) - split(ss)[1]),
        f"{before}=between": lambda ss: split(ss) and (before, split(ss)[0], split(ss)[1]),
    }


TIME_CASES = {**_time_cases("CreationTime"), **_time_cases("LastModifiedTime")}


@pytest.mark.conformance(operation="ListCompilationJobs", check="filter-oracle")
@pytest.mark.parametrize("case", ["StatusEquals=held", "StatusEquals=not-held", *TIME_CASES,
                                  "SortBy=Status-Ascending", "SortBy=Status-Descending", "combined"])
def test_filter_oracle_settled(conformance_session, settled_listing, case):
    """StatusEquals, the four time bounds and all at once with a sort, against the oracle.
    Whether AWS's time bounds are strict or inclusive is not documented: every bound here
    is more than a second away from every job (botocore sends whole seconds)."""
    stem, summaries = settled_listing
    statuses = [s.get("CompilationJobStatus") for s in summaries.values()]
    held = max(set(statuses), key=statuses.count)
    request: dict = {"NameContains": stem}
    ordered = False
    if case == "StatusEquals=held":
        request["StatusEquals"] = held
        oracle = {n for n, s in summaries.items() if s.get("CompilationJobStatus") == held}
    elif case == "StatusEquals=not-held":
        from conformance.model import service_model

        request["StatusEquals"] = next(s for s in service_model().shape_for("CompilationJobStatus").enum
                                       if s not in statuses)
        oracle = set()
    elif case.startswith("SortBy=Status"):
        descending = case.endswith("Descending")
        request.update(SortBy="Status", SortOrder="Descending" if descending else "Ascending")
        page = conformance_session.call("ListCompilationJobs", {**request, "MaxResults": 100})
        checks.get("accepted")(page)
        if len(set(statuses)) < 2:
            pytest.skip(f"every job is {held}: an order by Status is not observable")
        body = page.wire_or_none() if page.ok else None
        got = [summaries.get(x.get("CompilationJobName"), {}).get("CompilationJobStatus")
               for x in (body.get("CompilationJobSummaries") or [])] if isinstance(body, dict) else []
        # Ties (same status) may come in any order: compare the statuses, in order.
        checks.get("filter-oracle")(page, CheckContext(expect={
            "oracle": sorted(statuses, reverse=descending), "ordered": True, "got": got}))
        return
    elif case == "combined":
        earliest = min(s["CreationTime"] for s in summaries.values())
        request.update(StatusEquals=held, CreationTimeAfter=earliest - 10, LastModifiedTimeBefore=
                       max(s["LastModifiedTime"] for s in summaries.values()) + 10,
                       SortBy="Name", SortOrder="Descending")
        oracle = sorted((n for n, s in summaries.items() if s.get("CompilationJobStatus") == held), reverse=True)
        ordered = True
    else:
        bound = TIME_CASES[case](summaries)
        if not bound:
            pytest.skip(f"the jobs' {case.split('=')[0][:-5] or case} values are not spread by more than 2.2 s: "
                        "no bound between them is safely away from each")
        key, value, oracle = bound
        request[key] = value
    page = conformance_session.call("ListCompilationJobs", {**request, "MaxResults": 100})
    checks.get("filter-oracle")(page, CheckContext(expect={"oracle": sorted(oracle) if not ordered else oracle,
                                                           "ordered": ordered}))


def _tags():
    """Tags as AddTags' model draws them, one per key, without the ``aws:`` prefix AWS
    reserves for itself (a real account refuses such keys)."""
    import strategies

    def unique(tags):
        seen = {}
        for tag in tags:
            if not tag["Key"].lower().startswith("aws:"):
                seen.setdefault(tag["Key"], tag)
        return list(seen.values())

    return strategies.requests(operation("AddTags")).map(lambda r: unique(r["Tags"])).filter(bool)


def _tags_listed(session, create):
    sent, created = setup_job(session, create, hint="tags")
    arn = created.wire().get("CompilationJobArn")
    listed = session.call("ListTags", {"ResourceArn": arn, "MaxResults": 100})
    checks.get("no-server-error")(listed)
    checks.get("accepted")(listed)
    checks.get("tags-roundtrip")(listed, CheckContext(sent=sent))


@pytest.mark.conformance(operation="ListTags", check="tags-roundtrip", case="generated")
def test_tags_roundtrip(conformance_session):
    given(tags=_tags())(lambda tags: _tags_listed(conformance_session, {**FOUNDING_CREATE, "Tags": tags}))()


@pytest.mark.conformance(operation="ListTags", check="tags-roundtrip", case="created-without-tags")
def test_tags_none(conformance_session):
    """A job created without Tags has none: ListTags answers an empty list."""
    _tags_listed(conformance_session, FOUNDING_CREATE)


def _deleted(session):
    """A job of the run, ended (stopped where it still runs: only an ended job can be deleted)
    and deleted: the Create request it was made with."""
    sent, _ = setup_job(session, FOUNDING_CREATE, hint="gone")
    name = sent["CompilationJobName"]
    session.waiting.end(name)
    checks.get("accepted")(session.call("DeleteCompilationJob", {"CompilationJobName": name}))
    session.forget(name)
    return sent


@pytest.mark.conformance(operation="DescribeCompilationJob", check="gone-after-delete", case="deleted")
def test_gone_after_delete(conformance_session):
    sent = _deleted(conformance_session)
    described = conformance_session.call("DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]})
    _judge("gone-after-delete", described, CheckContext(sent=sent))


@pytest.mark.conformance(operation="ListCompilationJobs", check="gone-after-delete", case="deleted",
                         basis="assumption")
def test_gone_from_list_after_delete(conformance_session):
    """Basis: an assumption, that List reflects a Delete at once (AWS documents no delay)."""
    sent = _deleted(conformance_session)
    listed = conformance_session.call("ListCompilationJobs", {"NameContains": sent["CompilationJobName"]})
    _judge("gone-after-delete", listed, CheckContext(sent=sent))
