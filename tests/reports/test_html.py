"""report.html (self-contained, escaped, renders in headless Chromium) and report.md."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conformance.reports import html, render_markdown, write

from . import png
from .helpers import CREATE, DESCRIBE, LIST, STOP, report, result

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture
def sample():
    example = {"operation": "DescribeCompilationJob",
               "request": {"CompilationJobName": "cf-1-founding-1"},
               "response": {"status": 200, "error_code": None, "transport_error": None,
                            "body": '{"CompilationJobName": "cf-1-founding-1", "Oops": "' + "</pre>" + '"}'}}
    return report(
        result(CREATE), result(LIST, "skipped", "never applied"),
        result(DESCRIBE, "failed", "VpcConfig.Subnets: sent ['subnet-0a1b2c3d'], Describe omits it\n"
               "  exchange: DescribeCompilationJob -> 200", example=example),
        result(STOP, "error", "setup crashed: " + HOSTILE),
        result("StopCompilationJob/accepted/generated", "failed", HOSTILE + " | a pipe"),
        notes=[{"id": "instant-completion", "operation": "CreateCompilationJob",
                "message": "jobs are COMPLETED at once; INPROGRESS never observed " + HOSTILE}],
        cassettes={"dir": "cassettes", "record_mode": "none", "used": 2,
                   "sources": [{"recorded_against": "moto-server", "botocore": "1.43.11", "cassettes": 2}]},
    )


def test_html_is_self_contained_and_escapes_everything(sample):
    page = html.render(sample)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script|<link|<img|@import|url\(|https?://", page, re.I)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert page.count("</pre>") == page.count("<pre>")  # the body's "</pre>" is escaped
    assert "moto-server" in page and "Cassette provenance" in page  # provenance in the header
    assert "instant-completion" in page


def test_each_failure_expands_to_its_message_and_example(sample):
    page = html.render(sample)
    failures = re.findall(r'<details id="(r-[^"]+)">', page)
    assert len(failures) == 3  # two failed, one error; the skip is not a failure
    start = page.index(f'<details id="{html._anchor(DESCRIBE)}">')
    block = page[start:page.index("</details>", start)]
    assert "Describe omits it" in block
    assert "cf-1-founding-1" in block and "Response (HTTP 200)" in block
    # the grid links each cell to the worst result behind it
    assert f'href="#{html._anchor(DESCRIBE)}"' in page


def test_grid_cell_per_operation_and_check(sample):
    page = html.render(sample)
    grid = page[page.index('<table class="grid">'):page.index("</table>", page.index('<table class="grid">'))]
    assert grid.count("<tr>") == 1 + 4  # header + 4 operations
    assert html.COLOURS["failed"][0] in grid and html.COLOURS["error"][0] in grid


def test_markdown_has_a_table_per_operation(sample):
    text = render_markdown(sample)
    assert text.startswith("# Conformance: sagemaker on `moto`")
    for operation in ("CreateCompilationJob", "DescribeCompilationJob", "ListCompilationJobs", "StopCompilationJob"):
        section = text[text.index(f"## {operation}\n"):]
        assert section.split("\n", 3)[2] == "| | check | case | basis | message |"
    assert "| ❌ | roundtrip | 2021-06-28-amba_cv25-vpc | model | VpcConfig.Subnets" in text
    assert "<details><summary>DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc</summary>" in text
    assert "Cassettes: `cassettes`" in text and "## Fidelity notes" in text
    [row] = [line for line in text.splitlines() if line.startswith("| ❌ | accepted |")]
    assert row.replace("\\|", "").count("|") == 6  # a pipe in a message does not split the row


def test_write_produces_json_md_and_html(sample, tmp_path):
    written = write(sample, tmp_path)
    assert sorted(p.name for p in written) == ["junit.xml", "report.html", "report.json", "report.md"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_html_renders_in_headless_chromium(sample, tmp_path):
    write(sample, tmp_path / "out")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,900",
         (tmp_path / "out" / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.exists(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert 5_000 < len(data) < 5_000_000
    width, height, _, _ = png.decode(data)
    assert (width, height) == (1200, 900)

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]

    # Each grid cell is a solid block of at least ~60x30 pixels; badges add a little more.
    colours = png.histogram(data)
    assert png.count(colours, rgb(html.COLOURS["failed"][0])) > 2 * 1500
    assert png.count(colours, rgb(html.COLOURS["passed"][0])) > 1500
    assert png.count(colours, rgb(html.COLOURS["error"][0])) > 1500
