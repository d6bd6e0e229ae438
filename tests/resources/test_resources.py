"""The resource specs come from the model (names, paginators, waiters) plus a declared overlay
that is checked against the model at import."""

from __future__ import annotations

import pytest

from conformance import resources
from conformance.resources import SpecError


def test_every_family_of_the_model_has_a_spec():
    names = resources.families()
    assert "CompilationJob" in names and "Model" in names and len(names) > 50
    for spec in resources.specs():
        assert spec.create == f"Create{spec.family}" and spec.describe == f"Describe{spec.family}"
        assert spec.identifier, spec.family


def test_compilation_jobs_are_one_spec_like_the_rest():
    spec = resources.spec("CompilationJob")
    assert spec.operations == ("CreateCompilationJob", "DescribeCompilationJob", "ListCompilationJobs",
                               "DeleteCompilationJob", "StopCompilationJob")
    assert (spec.name_member, spec.arn_member, spec.status_member) == (
        "CompilationJobName", "CompilationJobArn", "CompilationJobStatus")
    assert spec.terminal == {"COMPLETED", "FAILED", "STOPPED"} and spec.terminal_basis == "enum-names"
    assert spec.list.page == "CompilationJobSummaries" and spec.list.token == "NextToken"
    assert spec.list.limit == "MaxResults" and spec.list.name_member == "CompilationJobName"
    assert set(spec.list.filters) == set(resources.FILTERS)
    assert spec.list.sort_by == ("Name", "CreationTime", "Status")


def test_terminal_states_come_from_waiters_where_they_exist():
    endpoint = resources.spec("Endpoint")
    assert endpoint.terminal == {"InService", "Failed"} and endpoint.terminal_basis == "waiters"
    training = resources.spec("TrainingJob")
    assert training.terminal == {"Completed", "Stopped", "Failed"} and training.terminal_basis == "waiters"
    assert resources.spec("Model").status_member is None and resources.spec("Model").settled("anything")


def test_irregular_families_follow_the_overlay():
    assert resources.spec("AutoMLJobV2").list.operation == "ListAutoMLJobs"
    assert resources.spec("AutoMLJobV2").stop == "StopAutoMLJob"
    assert resources.spec("DataQualityJobDefinition").name_member == "JobDefinitionName"
    assert resources.spec("DataQualityJobDefinition").list.name_member == "MonitoringJobDefinitionName"
    domain = resources.spec("Domain")
    assert domain.assigned == ("DomainId",) and domain.name_member == "DomainName"
    assert domain.ident({"DomainName": "d"}, {"DomainId": "d-1"}) == {"DomainId": "d-1"}
    assert resources.spec("EndpointConfig").needs == {"ProductionVariants[].ModelName": "Model"}
    assert resources.spec("Endpoint").costly and not resources.spec("Model").costly


def test_requests_for_other_operations_take_the_identifier():
    spec = resources.spec("Model")
    assert spec.request_for("DeleteModel", {"ModelName": "m"}) == {"ModelName": "m"}
    assert spec.request_for("DeleteModel", {}) is None
    assert spec.request_for(None, {"ModelName": "m"}) is None


@pytest.mark.parametrize("table, entry, message", [
    ("OVERLAY", {"Modle": {"list": "ListModels"}}, "Did you mean Model"),
    ("OVERLAY", {"Model": {"list": "ListModelz"}}, "ListModels"),
    ("OVERLAY", {"Model": {"name_member": "ModelNam"}}, "ModelName"),
    ("NEEDS", {"EndpointConfig": {"ProductionVariants[].ModelNam": "Model"}}, "ProductionVariants"),
    ("COSTLY", frozenset({"Endpoints"}), "Endpoint"),
])
def test_an_overlay_naming_what_the_model_does_not_know_fails_with_the_valid_names(monkeypatch, table, entry, message):
    monkeypatch.setattr(resources, table, entry)
    with pytest.raises(SpecError, match=message):
        resources.validate_overlays()


def test_an_unknown_family_lists_the_families():
    with pytest.raises(SpecError, match="CompilationJob"):
        resources.derive("CompileJob")
