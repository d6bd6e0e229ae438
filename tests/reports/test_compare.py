"""`conformance compare`: one matrix across reports, disagreements first."""

from __future__ import annotations

import pytest

from conformance import cli

from .helpers import CREATE, DESCRIBE, LIST, STOP, report, result, write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["compare", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pair(tmp_path):
    moto = write(tmp_path / "moto.json", report(
        result(CREATE), result(DESCRIBE), result(LIST), result(STOP, "failed", "NotImplementedError")))
    server = write(tmp_path / "server.json", report(
        result(CREATE), result(DESCRIBE, "failed", "VpcConfig omitted"), result(STOP),
        backend={"kind": "server", "endpoint": "http://127.0.0.1:5000", "record_mode": None}))
    return moto, server


def test_matrix_lists_disagreements_first(pair, capsys):
    code, out, _ = run(capsys, *pair)
    assert code == 0
    assert "3 disagree" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "Compilation" in line]
    ids = [row.split("|")[1].strip().strip("*") for row in rows]
    # other outcomes first (DESCRIBE, STOP), then presence (LIST is not in server), then agreement
    assert ids == [DESCRIBE, STOP, LIST, CREATE]
    assert rows[2].split("|")[2:4] == [" ✅ ", " — "]
    assert "| moto | server @ http://127.0.0.1:5000 |" in out


def test_same_backend_labels_are_made_distinct_by_version(tmp_path, capsys):
    a = write(tmp_path / "a.json", report(result(CREATE)))
    b = write(tmp_path / "b.json", report(result(CREATE, "failed"), versions={"suite": "0.1.0",
                                                                           "botocore": "1.43.11", "moto": "5.3.0"}))
    _, out, _ = run(capsys, a, b)
    assert "moto (moto 5.2.1)" in out and "moto (moto 5.3.0)" in out


def test_html_matrix_is_self_contained(pair, tmp_path, capsys):
    out_file = tmp_path / "out" / "compare.html"
    code, _, _ = run(capsys, *pair, "--html", str(out_file))
    assert code == 0
    page = out_file.read_text()
    assert page.startswith("<!DOCTYPE html>") and DESCRIBE in page
    assert "<script" not in page and "http://" not in page.replace("http://127.0.0.1:5000", "")
    assert page.index(STOP) < page.index(CREATE)


@pytest.mark.parametrize("argv_of,needle", [
    (lambda good, d: [good], "at least two"),
    (lambda good, d: [good, str(d / "nope.json")], "no such file"),
    (lambda good, d: [good, write(d / "x.json", "[]")], "not a conformance report"),
    (lambda good, d: [good, write(d / "v.json", {**report(result(CREATE)), "schema_version": 0})], "schema_version 0"),
])
def test_bad_input_is_one_line_and_exit_2(pair, tmp_path, capsys, argv_of, needle):
    code, _, err = run(capsys, *argv_of(pair[0], tmp_path))
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
