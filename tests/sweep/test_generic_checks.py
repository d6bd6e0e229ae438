"""Every generic check fails on exactly its defect for a family other than compilation jobs
(Model, on moto with one injected defect, or moto's own deviation) and passes where the
backend answers as AWS does (moto where it is faithful, else the faithful wrapper)."""

from __future__ import annotations

import json

from tests.sweep.conftest import body


def outcome(results, rid):
    assert rid in results, f"{rid} not among {sorted(results)}"
    return results[rid]["outcome"]


def test_implemented_fails_on_a_crash_once_and_passes_on_moto(sweep, moto):
    assert outcome(sweep("implemented"), "CreateModel/implemented/minimal-request") == "passed"
    moto.fail("CreateModel", 500, "InternalFailure", "KeyError: 'PrimaryContainer'")
    results = sweep("implemented", "listed-once", "duplicate-name", "missing-resource")
    assert outcome(results, "CreateModel/implemented/minimal-request") == "failed"
    assert sweep.status == "crashes"
    assert [r for r in results.values() if r["outcome"] != "skipped"] == [results["CreateModel/implemented/minimal-request"]]


def test_a_family_not_implemented_is_one_skipped_result(sweep, moto):
    moto.fail("CreateModel", 500, "InternalFailure", "The create_model action has not been implemented")
    results = sweep()
    assert sweep.status == "not implemented"
    assert list(results) == ["CreateModel/implemented/minimal-request"]
    assert outcome(results, "CreateModel/implemented/minimal-request") == "skipped"


def test_duplicate_name_fails_on_moto_and_passes_when_refused(sweep, moto):
    results = sweep("duplicate-name")
    assert outcome(results, "CreateModel/duplicate-name/second-create") == "failed"
    assert results["CreateModel/duplicate-name/second-create"]["example"]["request"]["ModelName"].startswith("cf-test-")
    moto.refuse_duplicates()
    assert outcome(sweep("duplicate-name"), "CreateModel/duplicate-name/second-create") == "passed"


def test_duplicate_name_expects_the_declared_resource_in_use(sweep, moto):
    """CreateHyperParameterTuningJob declares ResourceInUse: moto answers it (passes, basis
    model); ValidationException there fails. CreateModelCard declares ConflictException and
    no ResourceInUse: moto's ConflictException passes (basis assumption)."""
    rid = "CreateHyperParameterTuningJob/duplicate-name/second-create"
    results = sweep("duplicate-name", family="HyperParameterTuningJob")
    assert (outcome(results, rid), results[rid]["basis"]) == ("passed", "model")
    card = sweep("duplicate-name", family="ModelCard")["CreateModelCard/duplicate-name/second-create"]
    assert (card["outcome"], card["basis"]) == ("passed", "assumption")
    seen = set()
    moto.fail("CreateHyperParameterTuningJob", 400, "ValidationException", "exists",
              lambda params: params["HyperParameterTuningJobName"] in seen or seen.add(params["HyperParameterTuningJobName"]))
    results = sweep("duplicate-name", family="HyperParameterTuningJob")
    assert outcome(results, rid) == "failed"
    assert "expected 400 ResourceInUse" in results[rid]["message"]


def test_roundtrip_fails_when_describe_changes_a_member(sweep, moto):
    passed = sweep("roundtrip")["DescribeModel/roundtrip/ModelName"]
    assert (passed["outcome"], passed["basis"]) == ("passed", "assumption")  # declared paths: CompilationJob only
    moto.answer("DescribeModel", body(lambda b: {**b, "ModelName": b["ModelName"] + "x"}))
    assert outcome(sweep("roundtrip"), "DescribeModel/roundtrip/ModelName") == "failed"


def test_listed_once_fails_when_the_listing_doubles_an_item(sweep, moto):
    assert outcome(sweep("listed-once"), "ListModels/listed-once/created-name") == "passed"
    moto.answer("ListModels", body(lambda b: {**b, "Models": b["Models"] * 2}))
    assert outcome(sweep("listed-once"), "ListModels/listed-once/created-name") == "failed"


def test_pagination_walk_fails_on_moto_and_passes_when_paged(sweep, moto):
    assert outcome(sweep("pagination-walk"), "ListModels/pagination-walk/MaxResults=1") == "failed"  # moto ignores MaxResults
    moto.faithful_list()
    assert outcome(sweep("pagination-walk"), "ListModels/pagination-walk/MaxResults=1") == "passed"


def test_pagination_walk_fails_on_a_token_that_never_ends(sweep, moto):
    pages = iter(range(1000))
    moto.answer("ListModels", body(lambda b: {**b, "NextToken": f"page-{next(pages)}"}))
    results = sweep("pagination-walk")
    assert outcome(results, "ListModels/pagination-walk/MaxResults=1") == "failed"
    assert "never ended" in results["ListModels/pagination-walk/MaxResults=1"]["message"]


def test_pagination_walk_fails_on_an_empty_token_on_the_last_page(sweep, moto):
    moto.faithful_list()
    moto.answer("ListModels", body(lambda b: b if "NextToken" in b else {**b, "NextToken": ""}))
    results = sweep("pagination-walk")
    assert outcome(results, "ListModels/pagination-walk/MaxResults=1") == "failed"
    assert "the last page carries NextToken ''" in results["ListModels/pagination-walk/MaxResults=1"]["message"]


FILTERS = ("NameContains", "MaxResults", "SortBy=Name,SortOrder=Ascending", "SortBy=Name,SortOrder=Descending",
           "SortBy=CreationTime,SortOrder=Ascending", "SortBy=CreationTime,SortOrder=Descending",
           "CreationTimeAfter", "CreationTimeBefore")


def test_filter_oracle_finds_what_moto_ignores_and_passes_when_applied(sweep, moto):
    found = {case: outcome(sweep_results, f"ListModels/filter-oracle/{case}")
             for sweep_results in [sweep("filter-oracle")] for case in FILTERS}
    # moto 5.2: ListModels ignores NameContains, MaxResults, SortOrder and CreationTimeBefore.
    assert found["NameContains"] == found["MaxResults"] == found["SortBy=Name,SortOrder=Descending"] == "failed"
    assert found["CreationTimeBefore"] == "failed"
    moto.faithful_list()
    faithful = sweep("filter-oracle")
    assert {case: outcome(faithful, f"ListModels/filter-oracle/{case}") for case in FILTERS} == dict.fromkeys(FILTERS, "passed")


def test_gone_after_delete_fails_when_describe_still_answers(sweep, moto):
    results = sweep("gone-after-delete")
    assert outcome(results, "DescribeModel/gone-after-delete/after-delete") == "passed"
    assert outcome(results, "ListModels/gone-after-delete/after-delete") == "passed"
    moto.answer("DescribeModel", lambda req, resp: resp.update(status_code=200, body=json.dumps(
        {"ModelName": req["ModelName"], "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/x",
         "CreationTime": 1.7e9}).encode()))
    moto.answer("ListModels", lambda req, resp: resp.update(body=json.dumps({"Models": [
        {"ModelName": req.get("NameContains", "cf-test-a-1"), "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/x",
         "CreationTime": 1.7e9}]}).encode()))
    results = sweep("gone-after-delete")
    assert outcome(results, "DescribeModel/gone-after-delete/after-delete") == "failed"
    assert outcome(results, "ListModels/gone-after-delete/after-delete") == "failed"


def test_missing_resource_fails_when_a_missing_model_is_found(sweep, moto):
    assert outcome(sweep("missing-resource"), "DescribeModel/missing-resource/never-created") == "passed"
    moto.answer("DescribeModel", lambda req, resp: resp.update(status_code=200, body=json.dumps(
        {"ModelName": req["ModelName"], "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/x",
         "CreationTime": 1.7e9}).encode()))
    assert outcome(sweep("missing-resource"), "DescribeModel/missing-resource/never-created") == "failed"


def test_a_server_error_blocks_the_checks_it_stands_in_front_of(sweep, moto):
    moto.fail("DescribeModel", 500, "InternalFailure")
    results = sweep("missing-resource", "no-server-error")
    assert outcome(results, "DescribeModel/missing-resource/never-created") == "skipped"
    assert results["DescribeModel/missing-resource/never-created"]["blocked_by"] == "DescribeModel/no-server-error/every-exchange"
    assert outcome(results, "DescribeModel/no-server-error/every-exchange") == "failed"


CLAUSE = "Tags[].Key:max-length"


def test_invalid_rejected_fails_on_moto_and_passes_when_validated(sweep, moto):
    assert outcome(sweep("invalid-rejected", clauses=[CLAUSE]), f"CreateModel/invalid-rejected/{CLAUSE}") == "failed"

    moto.fail("CreateModel", 400, "ValidationException", "1 validation error detected",
              lambda params: any(len(t.get("Key", "")) > 128 for t in params.get("Tags", [])))
    assert outcome(sweep("invalid-rejected", clauses=[CLAUSE]), f"CreateModel/invalid-rejected/{CLAUSE}") == "passed"


def test_wire_clauses_judge_the_family_operations(sweep, moto):
    results = sweep("roundtrip", "no-null-members", "no-server-error")
    assert outcome(results, "DescribeModel/no-null-members/body") == "passed"
    assert outcome(results, "CreateModel/no-server-error/every-exchange") == "passed"
    moto.answer("DescribeModel", body(lambda b: {**b, "PrimaryContainer": None}))
    assert outcome(sweep("roundtrip", "no-null-members"), "DescribeModel/no-null-members/body") == "failed"


def test_ids_are_the_same_on_every_run(sweep):
    assert sorted(sweep("filter-oracle", "missing-resource")) == sorted(sweep("filter-oracle", "missing-resource"))


def test_an_accepted_invalid_request_is_one_finding_not_a_cascade_of_shapes(sweep, moto):
    """moto stores an invalid CompilationJob and describes it back as sent: the invalid value
    is ``invalid-rejected``'s finding, so the look at it and its deletion are that clause's own,
    not judged by the output shape (as the run's suite does). Before, one accepted invalid
    request per clause made about 670 response-shape results of the sweep fail with it."""
    clause, shape = "InputConfig.Framework:enum", "DescribeCompilationJob/response-shape/InputConfig.Framework:enum"
    results = sweep("invalid-rejected", "response-shape", family="CompilationJob", clauses=[clause])
    assert outcome(results, f"CreateCompilationJob/invalid-rejected/{clause}") == "failed"
    assert outcome(results, shape) != "failed"
    # A Describe of a valid job that breaks the enum still fails the shape clause.
    moto.answer("DescribeCompilationJob", body(lambda b: {**b, "InputConfig": {**b["InputConfig"], "Framework": "tensorflow"}}))
    results = sweep("roundtrip", "response-shape", family="CompilationJob")
    assert outcome(results, shape) == "failed"
