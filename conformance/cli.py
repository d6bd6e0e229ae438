"""``conformance`` command line: a thin layer over pytest and the report writers.

Each subcommand lives in ``conformance/commands/<name>.py`` and offers
``add_arguments(parser)`` and ``main(args) -> int``. Exit codes: 0 all passed or skipped,
1 a check failed or errored (or a gate regressed), 2 usage error (one line, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import UsageError

#: name -> (module, one-line help). Add a command by adding a line and a module.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("conformance.commands.run", "run the conformance suite against a backend and write a report"),
    "sweep": ("conformance.commands.sweep", "the generic checks over every resource family a backend implements (Model, Experiment, ...)"),
    "selftest": ("conformance.commands.selftest", "run the suite against the fault-injection proxy, once per defect, and print the kill ratio"),
    "openapi": ("conformance.commands.openapi", "export the OpenAPI 3 document of the operations (for schemathesis)"),
    "record-fixtures": ("conformance.commands.record_fixtures", "re-record the shipped cassettes (--backend aws) against the embedded moto server"),
    "compare": ("conformance.commands.compare", "matrix of result ids across reports (backends, versions), disagreements first"),
    "gate": ("conformance.commands.gate", "fail (exit 1) when a result that passed in a baseline report no longer does"),
    "diff-model": ("conformance.commands.diff_model", "changes between two botocore service models, per operation"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="conformance", description=__doc__.splitlines()[0])
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help()
            return 2
        return int(importlib.import_module(args._module).main(args))
    except UsageError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("conformance: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
