"""`conformance diff-model` on the 2021-06-28 SageMaker update, and the diff engine.

Fixtures: botocore 1.20.101 (released 2021-06-25, the last without amba_cv25) and 1.20.102
(2021-06-28, the first with it), trimmed by ``modeldiff.trim`` to the compilation-job
operations of the time (Create, Describe, List, Stop; Delete came later) and the shapes they
reach, documentation dropped. See fixtures/README.md.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from conformance import cli, modeldiff
from conformance.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures"
OLD = FIXTURES / "sagemaker-1.20.101-compilation.json"
NEW = FIXTURES / "sagemaker-1.20.102-compilation.json"

#: The whole output: exactly the three updated operations; Stop unchanged, nothing else.
EXPECTED = """\
CreateCompilationJob
  Changes (request) {'OutputConfig': {'TargetDevice': {'amba_cv25'}}, 'VpcConfig': {'SecurityGroupIds': ['string'], 'Subnets': ['string']}}
DescribeCompilationJob
  Changes (response) {'InferenceImage': 'string', 'OutputConfig': {'TargetDevice': {'amba_cv25'}}, 'VpcConfig': {'SecurityGroupIds': ['string'], 'Subnets': ['string']}}
ListCompilationJobs
  Changes (response) {'CompilationJobSummaries': {'CompilationTargetDevice': {'amba_cv25'}}}
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["diff-model", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_founding_update_prints_exactly_the_three_changed_operations(capsys):
    code, out, err = run(capsys, OLD, NEW)
    assert (code, out, err) == (0, EXPECTED, "")


def test_gzipped_models_and_operation_filter(tmp_path, capsys):
    gz = tmp_path / "service-2.json.gz"
    gz.write_bytes(gzip.compress(NEW.read_bytes()))
    code, out, _ = run(capsys, OLD, gz, "--operations", "ListCompilationJobs,StopCompilationJob")
    assert code == 0
    assert out == "ListCompilationJobs\n  Changes (response) {'CompilationJobSummaries': {'CompilationTargetDevice': {'amba_cv25'}}}\n"
    code, out, _ = run(capsys, OLD, NEW, "--operations", "StopCompilationJob")
    assert (code, out) == (0, "no changes in the selected operations\n")


def test_reverse_diff_reports_removals_separately(capsys):
    _, out, _ = run(capsys, NEW, OLD)
    assert "Changes" not in out
    assert "  Removals (request) {'OutputConfig': {'TargetDevice': {'amba_cv25'}}, 'VpcConfig':" in out
    assert "  Removals (response) {'InferenceImage': 'string'," in out


def _model(shapes: dict, operations: dict | None = None) -> dict:
    return {"metadata": {}, "shapes": shapes, "operations": operations or {
        "Op": {"name": "Op", "input": {"shape": "In"}}}}


def test_type_requiredness_and_recursive_shapes():
    old = _model({"In": {"type": "structure", "members": {"A": {"shape": "S"}, "R": {"shape": "In"}}},
                  "S": {"type": "string"}})
    new = _model({"In": {"type": "structure", "required": ["A"], "members": {
        "A": {"shape": "I"}, "R": {"shape": "In"}, "N": {"shape": "In"}}}, "I": {"type": "integer"}})
    [found] = modeldiff.diff(old, new)
    assert found.request.changed == {("A",): "string -> integer"}
    assert found.request.required == {("A",): "now required"}
    assert found.request.added_members == {("N",): {"A": "integer", "R": "<In>", "N": "<In>"}}
    text = modeldiff.render([found])
    assert "Type changes (request) {'A': 'string -> integer'}" in text
    assert "Required (request) {'A': 'now required'}" in text


def test_added_and_removed_operations():
    old = _model({"In": {"type": "structure", "members": {}}})
    new = _model({"In": {"type": "structure", "members": {}}},
                 {"Op2": {"name": "Op2", "input": {"shape": "In"}}})
    assert modeldiff.render(modeldiff.diff(old, new)) == "Op: operation removed\nOp2: operation added\n"


def test_trim_keeps_the_operations_and_what_they_reach():
    old = modeldiff.load(OLD)
    only = modeldiff.trim(old, ["StopCompilationJob"])
    assert set(only["operations"]) == {"StopCompilationJob"}
    assert "TargetDevice" not in only["shapes"] and "StopCompilationJobRequest" in only["shapes"]
    assert modeldiff.reachable(only, ["StopCompilationJob"]) == set(only["shapes"])
    with pytest.raises(UsageError, match="unknown operation"):
        modeldiff.trim(old, ["Nope"])


def test_fixtures_are_what_trim_makes():
    for path in (OLD, NEW):
        model = json.loads(path.read_text())
        ops = sorted(model["operations"])
        assert ops == ["CreateCompilationJob", "DescribeCompilationJob", "ListCompilationJobs",
                       "StopCompilationJob"]
        assert modeldiff.trim(model, ops) == model


@pytest.mark.parametrize("argv,needle", [
    (["nope.json", NEW], "no such file"),
    ([Path(__file__), NEW], "not JSON"),
    ([FIXTURES / "README.md", NEW], "not JSON"),
    ([OLD, NEW, "--operations", "CreateTrainingJobb"], "in neither model"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and out == ""


def test_not_a_model(tmp_path, capsys):
    bad = tmp_path / "m.json"
    bad.write_text('{"shapes": {}}')
    code, _, err = run(capsys, bad, NEW)
    assert code == 2 and "not a botocore service model" in err


def test_against_the_installed_botocore(capsys):
    code, out, _ = run(capsys, OLD, "installed", "--compilation-jobs")
    assert code == 0
    assert "DeleteCompilationJob: operation added" in out  # came after 2021
    assert "'amba_cv25'" in out and "'InferenceImage': 'string'" in out
