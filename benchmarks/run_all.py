"""Every benchmark of the README's Measurements table, in one command:

    python benchmarks/run_all.py            # all three scripts, one after the other
    python benchmarks/run_all.py suite      # only some: strategies, suite, overhead

Each script runs in a subprocess of its own (so one's imports and caches do not flatter the
next) and prints its figures as it goes; this wrapper adds the machine they ran on and each
script's wall time. The figures are measured, not asserted.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "strategies": "bench_strategies.py",
    "suite": "bench_suite.py",
    "overhead": "bench_overhead.py",
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SCRIPTS)
    unknown = [name for name in chosen if name not in SCRIPTS]
    if unknown:
        print(f"run_all: unknown benchmark {', '.join(unknown)}; choose from {', '.join(SCRIPTS)}", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}", flush=True)
    failed = []
    for name in chosen:
        print(f"\n=== {name}: python benchmarks/{SCRIPTS[name]}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / SCRIPTS[name])], cwd=HERE.parent)
        print(f"=== {name}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"run_all: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
