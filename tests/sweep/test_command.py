"""``conformance sweep`` end to end on moto in-process, narrowed to one family and a few
checks (the whole sweep is the benchmark's job): a schema-valid report with the coverage
matrix, moto's ListModels and CreateModel findings as failed results with examples, exit
codes as ``conformance run``."""

from __future__ import annotations

import json

from conformance import reports as report
from conformance.cli import main


def test_sweep_writes_a_valid_report_with_moto_findings(tmp_path, capsys):
    code = main(["sweep", "--family", "Model", "--check", "filter-oracle", "--check", "duplicate-name",
                 "--check", "implemented", "--output", str(tmp_path)])
    assert code == 1  # moto's findings
    written = json.loads((tmp_path / "report.json").read_text())
    report.validate(written)
    results = {r["id"]: r for r in written["results"]}
    for rid in ("ListModels/filter-oracle/NameContains", "ListModels/filter-oracle/MaxResults",
                "ListModels/filter-oracle/SortBy=Name,SortOrder=Descending", "CreateModel/duplicate-name/second-create"):
        assert results[rid]["outcome"] == "failed" and results[rid]["example"]["operation"]
    assert written["coverage"]["families"]["Model"]["cells"]["filter-oracle"] == "fails"
    assert "Coverage: family × check" in (tmp_path / "report.md").read_text()
    assert "Coverage: family × check" in (tmp_path / "report.html").read_text()
    assert "| Model | implemented |" in (tmp_path / "coverage.md").read_text()


def test_bad_input_is_one_line_and_exit_2(capsys):
    assert main(["sweep", "--family", "Modle"]) == 2
    assert main(["sweep", "--check", "everything"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "Did you mean Model" in err[0]


def test_the_embedded_server_gives_the_same_verdicts(tmp_path):
    """``--backend server`` (moto's own server, started for the run): same ids and verdicts as
    in-process for the checks that do not depend on how a crash is reported."""
    args = ["--family", "Model", "--check", "filter-oracle", "--check", "duplicate-name", "--check", "listed-once"]
    verdicts = {}
    for backend in ("moto", "server"):
        assert main(["sweep", "--backend", backend, *args, "--output", str(tmp_path / backend)]) == 1
        written = json.loads((tmp_path / backend / "report.json").read_text())
        verdicts[backend] = {r["id"]: r["outcome"] for r in written["results"]}
    assert verdicts["moto"] == verdicts["server"]
    assert verdicts["server"]["ListModels/filter-oracle/NameContains"] == "failed"
