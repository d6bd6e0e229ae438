"""Does a run's length grow with jobs x job duration? The suite against the fault proxy's
simulated lifecycle, with jobs that take ~0 s, 2 s and 10 s to complete.

    python benchmarks/bench_waiting.py                       # durations 0,2,10; profile ci
    python benchmarks/bench_waiting.py --durations 0,2 -k "test_lifecycle or test_behaviour"

Each duration gets a fresh moto server behind a faithful :class:`FaultProxy` whose jobs are
COMPLETED ``D`` seconds after Create (``job_seconds=D``: a quarter STARTING, the rest
INPROGRESS; a stopped job is STOPPED D/3 after its Stop), and one ``python -m conformance run
--backend server`` against it in a subprocess. Printed per duration: the wall time of the run,
its CPU seconds, the report's waiting figures (live-job bound, waits, Create retries), the
extra wall seconds per second of job duration against the shortest duration (issue 15's
target: with 10 s jobs the ``ci`` profile costs at most ~180 s more than with instant jobs),
and every result whose verdict differs from the shortest duration's (there should be none
but the ones only moving jobs can exercise: Stop of a running job, the Status sort).

The figures are measured, not asserted: this is a script, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_EXTRA_S = 180.0


def run_once(job_s: float, out: Path, profile: str, keyword: str | None, extra: list[str]) -> dict:
    import logging

    from conformance.faults import FaultProxy, moto_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request

    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with moto_server() as upstream, FaultProxy(upstream, job_seconds=job_s) as proxy:
        argv = [sys.executable, "-m", "conformance", "run", "--backend", "server", "--endpoint-url", proxy.url,
                "--profile", profile, "--output", str(out), "-q", *extra,
                "--", "-p", "no:randomly", *(["-k", keyword] if keyword else [])]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(argv, cwd=out.parent, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        proxy_errors = len(proxy.errors)
    report_path = out / "report.json"
    if not report_path.exists():
        raise SystemExit(f"bench: the run with {job_s:g} s jobs wrote no report (exit {done.returncode}):\n"
                         + (done.stdout + done.stderr)[-1500:])
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return {"job_s": job_s, "wall": wall, "exit": done.returncode, "proxy_errors": proxy_errors,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "summary": report["summary"], "waiting": report.get("waiting"),
            "outcomes": {r["id"]: r["outcome"] for r in report["results"]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", default="0,2,10", help="job durations in seconds (default 0,2,10)")
    parser.add_argument("--profile", default="ci", help="Hypothesis profile (default ci)")
    parser.add_argument("-k", dest="keyword", default=None, help="narrow the suite (pytest -k)")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("extra", nargs="*", help="more `conformance run` flags (e.g. --max-live-jobs 5)")
    args = parser.parse_args(argv)
    try:
        durations = sorted(float(d) for d in args.durations.split(","))
    except ValueError:
        parser.error("--durations takes numbers, e.g. 0,2,10")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"profile {args.profile}" + (f", -k {args.keyword!r}" if args.keyword else ""), flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-waiting-") as tmp:
        for job_s in durations:
            row = run_once(job_s, Path(tmp) / f"jobs-{job_s:g}s", args.profile, args.keyword, args.extra)
            rows.append(row)
            s = row["summary"]
            print(f"jobs {job_s:>5g} s: wall {row['wall']:7.1f} s, CPU {row['cpu']:6.1f} s, exit {row['exit']}; "
                  f"{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['error']} error"
                  + (f"; proxy errors {row['proxy_errors']}" if row["proxy_errors"] else ""), flush=True)
            if row["waiting"]:
                print(f"    waiting: {json.dumps(row['waiting'], sort_keys=True)}", flush=True)
    base = rows[0]
    print(f"\nagainst {base['job_s']:g} s jobs ({base['wall']:.1f} s):")
    for row in rows[1:]:
        extra = row["wall"] - base["wall"]
        per = extra / (row["job_s"] - base["job_s"]) if row["job_s"] > base["job_s"] else float("nan")
        changed = sorted(rid for rid in set(base["outcomes"]) | set(row["outcomes"])
                         if base["outcomes"].get(rid) != row["outcomes"].get(rid))
        verdict = "" if row["job_s"] != 10 else (
            f"  (target <= {TARGET_EXTRA_S:.0f} s more: {'met' if extra <= TARGET_EXTRA_S else 'NOT met'})")
        print(f"  jobs {row['job_s']:>5g} s: {extra:+7.1f} s wall, {per:5.2f} extra s per s of job duration, "
              f"{len(changed)} verdicts differ{verdict}")
        for rid in changed:
            print(f"      {rid}: {base['outcomes'].get(rid)} -> {row['outcomes'].get(rid)}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
