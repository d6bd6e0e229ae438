"""``conformance diff-model OLD NEW``: what an API update changed, per operation.

Prints, for each operation whose request or response changed, ``Changes (request|response)``
with the added members (nested structure) and enum values, then removals, type changes and
requiredness changes on lines of their own. OLD and NEW are ``service-2.json[.gz]`` files,
botocore wheels, unpacked botocore data directories, or ``installed``.
"""

from __future__ import annotations

import argparse

from .. import modeldiff
from ..model import OPERATIONS, SERVICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="the earlier model: service-2.json[.gz], a botocore "
                        "wheel, a directory with botocore's data, or 'installed'")
    parser.add_argument("new", metavar="NEW", help="the later model (same forms as OLD)")
    parser.add_argument("--operations", nargs="+", action="extend", metavar="OP", default=None,
                        help="only these operations (names, or comma-separated); default: every "
                             "operation in either model")
    parser.add_argument("--compilation-jobs", action="store_true",
                        help=f"only the suite's operations ({', '.join(OPERATIONS)}), where they exist")
    parser.add_argument("--service", default=SERVICE,
                        help=f"service inside a wheel or data directory (default {SERVICE})")


def main(args: argparse.Namespace) -> int:
    old = modeldiff.load(args.old, args.service)
    new = modeldiff.load(args.new, args.service)
    operations = None
    if args.operations:
        operations = [op for item in args.operations for op in item.split(",") if op]
    elif args.compilation_jobs:
        known = set(old["operations"]) | set(new["operations"])
        operations = [op for op in OPERATIONS if op in known]
    diffs = modeldiff.diff(old, new, operations)
    text = modeldiff.render(diffs)
    print(text, end="" if text else "no changes in the selected operations\n")
    return 0
