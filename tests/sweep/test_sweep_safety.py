"""A sweep touches only what it made: a foreign model survives it, and after cleanup no
resource of the run's prefix is left, whatever the checks did (duplicates, accepted invalid
requests, deletes)."""

from __future__ import annotations

from conformance import resources
from conformance.sweep import plan, sweep_family


def _models(ledger):
    return {m["ModelName"] for m in ledger.call("ListModels", {"MaxResults": 100}).parsed["Models"]}


def test_foreign_models_survive_and_the_run_leaves_none(ledger):
    ledger.call("CreateModel", {"ModelName": "someone-elses-model",
                                "ExecutionRoleArn": "arn:aws:iam::123456789012:role/x"})
    sweep_family(ledger, resources.spec("Model"), {},
                 ("duplicate-name", "invalid-rejected", "gone-after-delete", "listed-once"),
                 clauses=["Tags[].Key:max-length", "VpcConfig.Subnets:min-size"])
    assert "someone-elses-model" in _models(ledger)
    assert ledger.cleanup() == []
    assert _models(ledger) == {"someone-elses-model"}


def test_a_real_account_creates_costly_families_only_when_named():
    order, skipped = plan(None, "aws")
    assert "Endpoint" in skipped and "UserProfile" in skipped  # UserProfile needs a Domain
    assert "Model" in {s.family for s in order} and not {s.family for s in order} & resources.COSTLY
    order, skipped = plan(["Model", "UserProfile"], "aws")
    assert [s.family for s in order] == ["Model"] and skipped == ["UserProfile"]
    order, _ = plan(["Endpoint"], "aws")  # named: created, dependencies first
    assert [s.family for s in order] == ["Model", "EndpointConfig", "Endpoint"]
