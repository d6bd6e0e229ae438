"""``conformance openapi``: export the OpenAPI 3 document of AWS JSON operations (default: the
five compilation-job operations of SageMaker), for users who run schemathesis or another
OpenAPI tool themselves. Calls must still go out as AWS JSON (``POST /`` + ``X-Amz-Target``,
SigV4): see :class:`conformance.schemathesis_bridge.AwsJsonAuth`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError
from ..model import SERVICE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--service", default=SERVICE,
                        help=f"botocore service name of a JSON-protocol service (default {SERVICE})")
    parser.add_argument("--operations", nargs="+", default=None, metavar="OP",
                        help="operation names, space- or comma-separated (default: the five "
                             "compilation-job operations; for another service: all of its operations)")
    parser.add_argument("--server", default="http://127.0.0.1:5000", metavar="URL",
                        help="the servers[0].url written into the document")
    parser.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="write the document to FILE (default: standard output)")


def main(args: argparse.Namespace) -> int:
    from .. import openapi

    operations = None
    if args.operations is not None:
        operations = [name for item in args.operations for name in item.split(",") if name.strip()]
        operations = [name.strip() for name in operations]
    document = openapi.build_document(operations, service=args.service, server_url=args.server)
    text = openapi.dumps(document)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    if path.is_dir():
        raise UsageError(f"-o {args.output}: is a directory; name a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"-o {args.output}: cannot write: {exc.strerror or exc}") from None
    print(f"conformance: wrote {len(document['paths'])} operations to {path}", file=sys.stderr)
    return 0
