"""Do transient faults change the verdicts? The suite against moto's server behind the fault
proxy (raw: moto as it is, so its findings stay), once without faults and once per fault
spec, each as a user runs it (``conformance run --backend server --endpoint-url <proxy>
--profile ci``, a subprocess).

    python benchmarks/bench_transient.py                        # the issue's four specs
    python benchmarks/bench_transient.py --spec throttling=0.3 --workers 2 -k test_founding

Printed per run: wall seconds, the failed (and errored) ids beyond or missing from the
fault-free run, flaky results, the faults the proxy injected and the retries the report
counts. Figures are measured, not asserted.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPECS = ("throttling=0.3", "internal_failure=0.2", "reset=0.1", "hang=0.05")


def run(upstream: str, spec: str, out: Path, args: argparse.Namespace) -> dict:
    from conformance.faults import FaultProxy, transient

    faults = transient(spec, seed=args.seed, hang_s=120.0) if spec else []
    with FaultProxy(upstream, defects=faults, faithful=False) as proxy:
        cmd = [sys.executable, "-m", "conformance", "run", "--backend", "server", "--endpoint-url", proxy.url,
               "--profile", "ci", "--output", str(out), "-q", "--", "-p", "no:randomly"]
        if args.workers > 1:
            cmd += ["-n", str(args.workers)]
        if args.keyword:
            cmd += ["-k", args.keyword]
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
        injected = {f.name: proxy.states[f.name].get("faults", 0) for f in faults}
    report = json.loads((out / "report.json").read_text())
    return {"spec": spec or "fault-free", "wall": wall, "exit": proc.returncode, "report": report,
            "injected": injected}


def bad(report: dict) -> set[str]:
    return {r["id"] for r in report["results"] if r["outcome"] in ("failed", "error")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", action="append", help="FAULT=RATE[,...] (repeatable; default the issue's four)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument("-k", dest="keyword", default=None)
    parser.add_argument("--output", default=None, help="keep the reports here")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from conformance.faults import moto_server

    root = Path(args.output or tempfile.mkdtemp(prefix="bench-transient-"))
    with moto_server() as upstream:
        base = run(upstream, "", root / "fault-free", args)
        rows = [base] + [run(upstream, spec, root / spec.replace(",", "+").replace("=", "-"), args)
                         for spec in (args.spec or SPECS)]
    reference = bad(base["report"])
    for row in rows:
        report = row["report"]
        now = bad(report)
        flaky = sorted(r["id"] for r in report["results"] if r["outcome"] == "flaky")
        retries = report.get("retries") or {}
        retried = sum(e["retried"] for e in retries.values())
        total = sum(e["retries"] for e in retries.values())
        print(f"{row['spec']:<22} {row['wall']:6.1f} s  exit {row['exit']}  failed/error {len(now):3d}  "
              f"beyond fault-free +{len(now - reference)} -{len(reference - now)}  flaky {len(flaky)}  "
              f"injected {sum(row['injected'].values())}  retried exchanges {retried} ({total} retries)")
        for rid in sorted(now ^ reference):
            print(f"    {'+' if rid in now else '-'} {rid}")
        for rid in flaky:
            print(f"    ~ {rid}")
    print(f"reports: {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
