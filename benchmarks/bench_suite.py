"""How long does the whole suite take against moto in-process, run as a user runs it?

    python benchmarks/bench_suite.py              # 3 repetitions
    python benchmarks/bench_suite.py --reps 5

Each repetition is ``python -m conformance run --output <tmpdir>`` in a subprocess: the
default Hypothesis profile (whatever ``conformance run`` uses without ``--profile``), backend
moto in-process, no xdist. All repetitions share one fresh working directory, as a user
re-running in a checkout shares one (so the example database of the default profile carries
over from one repetition to the next, as it would for them). Printed per repetition: the wall
time of the whole process, its CPU seconds (user + system: on a machine shared with other
work the wall time swells with the load, the CPU time much less), and the session time the
report gives (``duration_s``, without interpreter start-up); then min and median, the result
counts, and a verdict against the target "whole suite against moto in-process in under 60 s
on 2 cores" (on the median wall time).

The figures are measured, not asserted: this is a script, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0


def run_once(work: Path, index: int, extra: list[str]) -> dict:
    out = work / f"report-{index}"
    argv = [sys.executable, "-m", "conformance", "run", "--output", str(out), "-q", *extra]
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report_path = out / "report.json"
    if not report_path.exists():
        tail = (done.stdout + done.stderr)[-1500:]
        raise SystemExit(f"bench: repetition {index} wrote no report (exit {done.returncode}):\n{tail}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return {"wall": wall, "cpu": cpu, "session": report["duration_s"], "summary": report["summary"],
            "exit": done.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (printed)")
    parser.add_argument("extra", nargs=argparse.REMAINDER,
                        help="after --, extra arguments for `conformance run` (e.g. -- --profile ci -- -k requests)")
    args = parser.parse_args(argv)
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    print(f"machine: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()} "
          f"({platform.python_implementation()}), {platform.system()} {platform.machine()}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("command: python -m conformance run --output <tmpdir> -q" + (" " + " ".join(extra) if extra else "")
          + "  (backend moto in-process; the default profile unless an extra argument names one)")
    work = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    results = []
    for i in range(1, args.reps + 1):
        r = run_once(work, i, extra)
        s = r["summary"]
        print(f"  rep {i}: wall {r['wall']:6.1f} s   cpu {r['cpu']:6.1f} s   session {r['session']:6.1f} s   "
              f"{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['error']} error"
              f"   (exit {r['exit']})", flush=True)
        results.append(r)
    walls = [r["wall"] for r in results]
    sessions = [r["session"] for r in results]
    cpus = [r["cpu"] for r in results]
    print(f"wall    min {min(walls):6.1f} s   median {statistics.median(walls):6.1f} s")
    print(f"cpu     min {min(cpus):6.1f} s   median {statistics.median(cpus):6.1f} s")
    print(f"session min {min(sessions):6.1f} s   median {statistics.median(sessions):6.1f} s")
    counts = {json.dumps(r["summary"], sort_keys=True) for r in results}
    if len(counts) > 1:
        print("note: the result counts differ between repetitions (the default profile is not derandomized)")
    best = statistics.median(walls)
    verdict = "MET" if best < TARGET_S else "NOT MET"
    print(f"verdict: target \"whole suite against moto in-process in under {TARGET_S:.0f} s on 2 cores\": "
          f"{verdict} (median wall {best:.1f} s on {os.cpu_count()} CPUs"
          + (f"; with extra arguments {' '.join(extra)}: not the default run" if extra else "") + ")")
    if args.keep:
        print(f"working directory: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
