"""How long does ``conformance sweep`` take? The issue's target: under 5 minutes on 2 cores,
for every family the backend implements. One command, figures from one run:

    python benchmarks/bench_sweep.py                      # moto in-process, every family
    python benchmarks/bench_sweep.py --backend server     # moto's embedded server
    python benchmarks/bench_sweep.py --family Model --family Experiment

Printed: the wall time of the sweep (``conformance sweep`` as a user runs it, in a
subprocess, interpreter start and imports included), its CPU time (children), the ratio of
wall to the 300 s target, the sweep's own session time (report ``duration_s``), and the
slowest families (report ``sweep.duration_s``), so a slow one can be looked at. Measured,
not asserted: a script, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="moto", choices=("moto", "server"))
    parser.add_argument("--family", action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "conformance.cli", "sweep", "--backend", args.backend, "--output", out]
        for family in args.family:
            argv += ["--family", family]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        report_path = Path(out) / "report.json"
        if not report_path.is_file():
            print(f"the sweep wrote no report (exit {done.returncode}):\n{done.stderr[-2000:]}", file=sys.stderr)
            return 2
        report = json.loads(report_path.read_text(encoding="utf-8"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    families = report["coverage"]["families"]
    implemented = [f for f, e in families.items() if e["status"] not in ("not implemented",)]
    s = report["summary"]
    print(f"sweep --backend {args.backend}: {len(families)} families, {len(implemented)} reached "
          f"(implemented, crashing, refusing or needing setup)")
    print(f"  results: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['error']} error "
          f"(exit {done.returncode})")
    print(f"  wall {wall:.1f} s (target {TARGET_S:.0f} s: ratio {wall / TARGET_S:.2f}); "
          f"cpu {cpu:.1f} s; session {report['duration_s']:.1f} s")
    slowest = sorted(report["sweep"]["duration_s"].items(), key=lambda kv: -kv[1])[:8]
    print("  slowest families: " + ", ".join(f"{f} {d:.1f} s" for f, d in slowest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
