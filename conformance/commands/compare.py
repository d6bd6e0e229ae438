"""``conformance compare A.json B.json ...``: argparse front end of :mod:`conformance.reports.compare`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError
from ..reports import load as load_report
from ..reports.compare import build, labels, render_markdown


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reports", nargs="+", metavar="REPORT",
                        help="report.json files (two or more) of runs to compare")
    parser.add_argument("--html", default=None, metavar="FILE",
                        help="also write the matrix as one self-contained HTML file")


def main(args: argparse.Namespace) -> int:
    if len(args.reports) < 2:
        raise UsageError("compare needs at least two reports")
    reports = [load_report(path) for path in args.reports]
    matrix = build(reports, labels(reports, args.reports))
    print(render_markdown(matrix), end="")
    if args.html:
        from ..reports import html

        out = Path(args.html)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(html.render_matrix(matrix), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return 0
