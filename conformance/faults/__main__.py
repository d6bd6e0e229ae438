"""``python -m conformance.faults``: serve a fault proxy (over moto's server unless
``--upstream`` is given) and print its URL; ``--list`` prints the defect catalogue."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from .catalogue import DEFECTS, describe, transient
from .faithful import Lifecycle
from .proxy import FaultProxy
from .upstream import moto_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.faults", description=__doc__)
    parser.add_argument("--defect", action="append", default=[], choices=sorted(DEFECTS), metavar="NAME",
                        help="inject this defect (repeatable); see --list")
    parser.add_argument("--list", action="store_true", help="print the defect catalogue and exit")
    parser.add_argument("--upstream", help="emulator URL to proxy (default: start moto's server)")
    parser.add_argument("--lifecycle", metavar="STARTING,INPROGRESS[,STOPPING]",
                        help="simulate job statuses with these durations in seconds, e.g. 0.3,0.6")
    parser.add_argument("--job-seconds", type=float, metavar="SECONDS",
                        help="simulate jobs COMPLETED this long after Create (a quarter STARTING, the "
                             "rest INPROGRESS); instead of --lifecycle")
    parser.add_argument("--stop-seconds", type=float, metavar="SECONDS",
                        help="with --job-seconds: how long a stopped job stays STOPPING (default a third "
                             "of --job-seconds)")
    parser.add_argument("--raw", action="store_true", help="no faithful layer: the upstream as it is")
    parser.add_argument("--port", type=int, default=0, help="listen port (default: a free one)")
    parser.add_argument("--transient", default="", metavar="FAULT=RATE,...",
                        help="transient faults at a rate, e.g. throttling=0.3,reset=0.1 (faults: "
                             "throttling, internal_failure, service_unavailable, reset, hang, html_200, "
                             "truncated_json)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the transient faults' draws")
    parser.add_argument("--hang-s", type=float, default=120.0, help="how long a transient hang lasts")
    args = parser.parse_args(argv)
    try:
        transients = transient(args.transient, seed=args.seed, hang_s=args.hang_s)
    except (KeyError, ValueError) as exc:
        parser.error(str(exc).strip('"'))
    if args.list:
        print("\n".join(describe()))
        return 0
    lifecycle = None
    if args.lifecycle:
        try:
            parts = [float(x) for x in args.lifecycle.split(",")]
            lifecycle = Lifecycle(*parts[:3])
        except (TypeError, ValueError):
            parser.error("--lifecycle takes two or three numbers, e.g. 0.3,0.6")
    if args.job_seconds is not None:
        if lifecycle is not None:
            parser.error("give --lifecycle or --job-seconds, not both")
        try:
            lifecycle = Lifecycle.lasting(args.job_seconds, args.stop_seconds)
        except ValueError as exc:
            parser.error(str(exc))
    elif args.stop_seconds is not None:
        parser.error("--stop-seconds needs --job-seconds")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.ExitStack() as stack:
        upstream = args.upstream or stack.enter_context(moto_server())
        proxy = stack.enter_context(
            FaultProxy(upstream, defects=[*args.defect, *transients], lifecycle=lifecycle, faithful=not args.raw, port=args.port)
        )
        print(proxy.url, flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
