"""Result ids come from the model, never from what Hypothesis drew: two runs of the clause
tests on moto under different seeds give the same ids and the same failed input clauses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.model import operation


def _run(tmp_path, seed: int) -> dict:
    out = tmp_path / f"seed-{seed}"
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--profile", "dev", "--output", str(out), "-q",
         "--", "-k", "test_clause_rejected", "--hypothesis-seed", str(seed)],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert (out / "report.json").exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((out / "report.json").read_text())


@pytest.mark.slow
def test_two_seeds_give_the_same_ids_and_the_same_failed_input_clauses(tmp_path):
    import strategies

    first, second = _run(tmp_path, 1), _run(tmp_path, 2)
    ids = [{r["id"] for r in report["results"]} for report in (first, second)]
    assert ids[0] == ids[1]
    clauses = {f"{op}/invalid-rejected/{c.id}" for op in ("CreateCompilationJob", "ListCompilationJobs")
               for c in strategies.clauses(operation(op))}
    assert clauses <= ids[0]

    def failed(report):
        return {r["id"] for r in report["results"] if r["check"] == "invalid-rejected" and r["outcome"] == "failed"}

    assert failed(first) == failed(second)
    # moto 5.2 enforces no input constraint of Create or List: each is its own finding
    for wanted in ("CreateCompilationJob/invalid-rejected/OutputConfig.TargetDevice:enum",
                   "CreateCompilationJob/invalid-rejected/InputConfig.Framework:enum",
                   "CreateCompilationJob/invalid-rejected/CompilationJobName:pattern",
                   "ListCompilationJobs/invalid-rejected/StatusEquals:enum",
                   "ListCompilationJobs/invalid-rejected/MaxResults:max-value"):
        assert wanted in failed(first), sorted(failed(first))
