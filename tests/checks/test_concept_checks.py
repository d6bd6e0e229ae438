"""The listing, duplicate and delete checks, one body for every family, on compilation jobs:
each fails on moto in-process with exactly its defect (the before-parse wrapper of
tests/checks/conftest.py) and passes on moto where moto is right. Their twins for another
family (Model) are in tests/sweep/test_generic_checks.py."""

from __future__ import annotations

import pytest

from conformance import checks, resources
from conformance.checks import CheckContext
from conformance.checks.registry import RegistryError
from conformance.scenarios import FOUNDING_CREATE

from tests.checks.conftest import answer, edit_body
from tests.checks.test_skeleton_checks import assert_fails, assert_passes

LIST = "ListCompilationJobs"


@pytest.fixture
def jobs(moto_session):
    """Three jobs under one stem, sent without the session's judging (moto accepts them)."""
    stem = moto_session.new_name("c")
    names = [f"{stem}-{i}" for i in range(3)]
    for name in names:
        assert moto_session.call("CreateCompilationJob", {**FOUNDING_CREATE, "CompilationJobName": name}).ok
    return stem, names


def walk(session, stem, k=1, bound=6):
    pages, token = [], None
    for _ in range(bound):
        page = session.call(LIST, {"NameContains": stem, "MaxResults": k, **({"NextToken": token} if token else {})})
        pages.append(page)
        token = (page.parsed or {}).get("NextToken") if page.ok else None
        if not token:
            return pages, False
    return pages, True


def walk_ctx(session, stem, names):
    pages, bounded = walk(session, stem)
    return pages[-1], CheckContext(expect={"pages": pages, "k": 1, "expected": names, "bounded": bounded})


def _last_page_token(body):
    return body if "NextToken" in body else {**body, "NextToken": ""}


def test_pagination_walk_passes_on_moto_and_fails_on_an_empty_last_token(moto_session, faulty, jobs):
    stem, names = jobs
    assert_passes("pagination-walk", *walk_ctx(moto_session, stem, names))
    faulty.break_(LIST, edit_body(_last_page_token))
    assert_fails("pagination-walk", *walk_ctx(moto_session, stem, names), needle="the last page carries NextToken ''")


def test_pagination_walk_fails_when_a_page_drops_an_item(moto_session, faulty, jobs):
    stem, names = jobs
    faulty.break_(LIST, edit_body(lambda b: {**b, "CompilationJobSummaries": [
        s for s in b["CompilationJobSummaries"] if not s["CompilationJobName"].endswith("-1")]}))
    assert_fails("pagination-walk", *walk_ctx(moto_session, stem, names), needle="never listed")


def test_listed_once_passes_on_moto_and_fails_on_a_doubled_item(moto_session, faulty, jobs):
    stem, names = jobs
    ctx = CheckContext(expect={"live": names})
    assert_passes("listed-once", moto_session.call(LIST, {"NameContains": stem}), ctx)
    faulty.break_(LIST, edit_body(lambda b: {**b, "CompilationJobSummaries": b["CompilationJobSummaries"] * 2}))
    assert_fails("listed-once", moto_session.call(LIST, {"NameContains": stem}), ctx, needle="listed 2 times")


def test_filter_oracle_passes_on_moto_and_fails_on_a_reversed_sort(moto_session, faulty, jobs):
    stem, names = jobs
    request = {"NameContains": stem, "SortBy": "Name", "SortOrder": "Ascending"}
    ctx = CheckContext(expect={"oracle": sorted(names), "ordered": True})
    assert_passes("filter-oracle", moto_session.call(LIST, request), ctx)
    faulty.break_(LIST, edit_body(lambda b: {**b, "CompilationJobSummaries": b["CompilationJobSummaries"][::-1]}))
    assert_fails("filter-oracle", moto_session.call(LIST, request), ctx, needle="order differs")


def _duplicate(session):
    sent = {**FOUNDING_CREATE, "CompilationJobName": session.new_name("dup")}
    assert session.call("CreateCompilationJob", sent).ok
    return session.call("CreateCompilationJob", sent)


def test_duplicate_name_passes_on_moto(moto_session):
    assert checks.get("duplicate-name").basis_for("CreateCompilationJob") == "model"
    assert_passes("duplicate-name", _duplicate(moto_session))


@pytest.mark.parametrize("status,body,needle", [
    (200, {"CompilationJobArn": "arn:aws:sagemaker:us-east-1:123456789012:compilation-job/x"}, "was accepted"),
    # CreateCompilationJob declares ResourceInUse: ValidationException is not its answer.
    (400, {"__type": "ValidationException", "message": "exists"}, "expected 400 ResourceInUse"),
])
def test_duplicate_name_fails_on_another_answer(moto_session, faulty, status, body, needle):
    seen = set()

    def again(request):
        name = request.get("CompilationJobName")
        repeated = name in seen
        seen.add(name)
        return repeated

    faulty.break_("CreateCompilationJob", answer(status, body, when=again))
    assert_fails("duplicate-name", _duplicate(moto_session), needle=needle)


def _deleted(session):
    name = session.new_name("gone")
    assert session.call("CreateCompilationJob", {**FOUNDING_CREATE, "CompilationJobName": name}).ok
    assert session.call("DeleteCompilationJob", {"CompilationJobName": name}).ok
    return {"CompilationJobName": name}


def test_gone_after_delete_passes_on_moto(moto_session):
    sent = _deleted(moto_session)
    assert_passes("gone-after-delete", moto_session.call("DescribeCompilationJob", sent), CheckContext(sent=sent))
    listed = moto_session.call(LIST, {"NameContains": sent["CompilationJobName"]})
    assert_passes("gone-after-delete", listed, CheckContext(sent=sent))


def test_gone_after_delete_fails_when_describe_or_list_still_show_it(moto_session, faulty):
    sent = _deleted(moto_session)
    name = sent["CompilationJobName"]
    faulty.break_("DescribeCompilationJob", answer(200, {"CompilationJobName": name}))
    faulty.break_(LIST, answer(200, {"CompilationJobSummaries": [{"CompilationJobName": name}]}))
    assert_fails("gone-after-delete", moto_session.call("DescribeCompilationJob", sent), CheckContext(sent=sent),
                 needle="still there")
    assert_fails("gone-after-delete", moto_session.call(LIST, {"NameContains": name}), CheckContext(sent=sent),
                 needle="still listed", basis="assumption")


@pytest.mark.parametrize("op,family", [
    ("ListCompilationJobs", "CompilationJob"), ("DescribeModel", "Model"), ("ListModelPackages", "ModelPackage"),
    ("ListNotebookInstanceLifecycleConfigs", "NotebookInstanceLifecycleConfig"),
    ("ListDataQualityJobDefinitions", "DataQualityJobDefinition"), ("ListAutoMLJobs", "AutoMLJob"),
])
def test_a_check_reads_the_family_its_operation_belongs_to(op, family):
    assert CheckContext().family(op).family == family
    v2 = resources.spec("AutoMLJobV2")
    assert CheckContext(spec=v2).family("ListAutoMLJobs") is v2  # a shared List: the scenario's spec wins


def test_an_operation_of_no_family_is_refused():
    with pytest.raises(RegistryError, match="no resource family"):
        CheckContext().family("ListTags")
