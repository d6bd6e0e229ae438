"""How much does the suite cost over the requests it sends? One command, figures from one run:

    python benchmarks/bench_overhead.py            # all figures (several minutes)
    python benchmarks/bench_overhead.py --runs moto,server -k schemathesis   # a quicker subset

For each run (``moto`` in-process, ``server`` = moto's embedded server, each also with
pytest-xdist ``-n 2``) the conformance suite runs as a user runs it (pytest in a subprocess,
Hypothesis profile ``ci``: derandomized, so every run sends the same requests) while this
module, loaded as a pytest plugin (``-p bench_overhead``), records every request the suite sends:
botocore calls and the schemathesis bridge's calls alike. Then the *raw call floor*: the same
requests, in the same order, sent with plain boto3 to a fresh backend of the same kind, with
no generation, no checks, no pytest. Printed:

- wall: the whole pytest process (interpreter start, imports, collection, run, report);
- session: pytest's session (report.json ``duration_s``), i.e. without start-up;
- floor: the replay; ratios wall/floor and session/floor (the issue's target: <= 1.3);
- where the rest goes: start-up (wall - session) and generation/checks/shrinking
  (session - floor);
- the same session and floor in CPU seconds of the process (``time.process_time``: the
  client, moto in-process and the embedded server's threads alike), so the ratio stays
  readable on a machine shared with other work, where wall times swell with the load;
- in-process vs server: the moto run's requests replayed against both backends (same
  requests, so the ratio is the price of HTTP), and the suites' wall times;
- xdist: wall time with ``-n 2`` against without.

The figures are measured, not asserted: this is a script, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "conformance" / "suite"
RECORD_ENV = "BENCH_OVERHEAD_RECORD"
RUNS = ("moto", "server", "moto-n2", "server-n2")

# ---------------------------------------------------------------- recording plugin
# Loaded inside the suite's pytest process with ``-p bench_overhead`` when RECORD_ENV is set.

_recorded: list[dict[str, Any]] = []
_cpu: dict[str, float] = {}


def pytest_configure(config: Any) -> None:
    if not os.environ.get(RECORD_ENV):
        return
    _cpu["start"] = time.process_time()  # the report's duration_s also starts at configure
    import botocore.client

    original_call = botocore.client.BaseClient._make_api_call

    def recording_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "sagemaker":
            _recorded.append({"t": time.time(), "op": operation_name, "params": api_params})
        return original_call(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording_call
    try:
        from conformance import schemathesis_bridge
    except ImportError:  # pragma: no cover
        return
    original_auth = schemathesis_bridge.AwsJsonAuth.__call__

    def recording_auth(self: Any, request: Any) -> Any:
        prepared = original_auth(self, request)
        body = request.body or b"{}"
        _recorded.append({
            "t": time.time(),
            "op": request.headers["X-Amz-Target"].rpartition(".")[2],
            "params": json.loads(body.decode("utf-8") if isinstance(body, bytes) else body),
        })
        return prepared

    schemathesis_bridge.AwsJsonAuth.__call__ = recording_auth


def pytest_sessionfinish(session: Any) -> None:
    if os.environ.get(RECORD_ENV) and "start" in _cpu:
        _cpu["session"] = time.process_time() - _cpu["start"]


def pytest_unconfigure(config: Any) -> None:
    target = os.environ.get(RECORD_ENV)
    if not target:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(f"{target}.{worker}.jsonl").write_text(
        "".join(json.dumps(r, default=str) + "\n" for r in _recorded), encoding="utf-8"
    )
    Path(f"{target}.{worker}.cpu").write_text(str(_cpu.get("session", 0.0)), encoding="utf-8")


# ---------------------------------------------------------------- measuring


def run_suite(kind: str, workers: int | None, profile: str, extra: list[str], work: Path) -> dict[str, Any]:
    name = kind + (f"-n{workers}" if workers else "")
    out = work / name
    out.mkdir(parents=True, exist_ok=True)
    record = out / "requests"
    argv = [
        sys.executable, "-m", "pytest", str(SUITE), "-c", str(SUITE / "pytest.ini"),
        "--rootdir", str(out), "--backend", kind, "--report-dir", str(out / "report"),
        "--hypothesis-profile", profile, "-q", "-p", "no:cacheprovider", "-p", "bench_overhead",
        *(["-n", str(workers)] if workers else []), *extra,
    ]
    env = {**os.environ, RECORD_ENV: str(record),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                      os.environ.get("PYTHONPATH")]))}
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=out, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    report_path = out / "report" / "report.json"
    if not report_path.exists():
        tail = (done.stdout + done.stderr)[-1500:]
        raise SystemExit(f"bench: the {name} run wrote no report (exit {done.returncode}):\n{tail}")
    report = json.loads(report_path.read_text())
    requests: list[dict[str, Any]] = []
    for part in sorted(out.glob("requests.*.jsonl")):
        requests += [json.loads(line) for line in part.read_text().splitlines()]
    requests.sort(key=lambda r: r["t"])
    # With xdist: the workers' CPU seconds added up (the controller sends nothing).
    cpu = sum(float(p.read_text() or 0) for p in out.glob("requests.*.cpu"))
    return {"name": name, "kind": kind, "workers": workers, "wall": wall,
            "session": report["duration_s"], "session_cpu": cpu, "summary": report["summary"],
            "requests": requests}


def replay(requests: list[dict[str, Any]], kind: str) -> float:
    """Send ``requests`` with plain boto3 to a fresh backend of ``kind``; seconds spent sending
    (the CPU seconds of this process over the same span are left in ``replay.cpu``)."""
    import logging

    import boto3
    from botocore import xform_name

    from botocore.config import Config

    def send_all(endpoint: str | None) -> float:
        client = boto3.session.Session().client(
            "sagemaker", region_name="us-east-1", endpoint_url=endpoint,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}, parameter_validation=False),
        )
        # Untimed warm-up: botocore loads the model and resolves the endpoint on the first call.
        try:
            client.list_compilation_jobs(NameContains="bench-warmup", MaxResults=1)
        except Exception:  # a backend that answers List with a 500 warms up all the same
            pass
        c0, t0 = time.process_time(), time.perf_counter()
        for r in requests:
            try:
                getattr(client, xform_name(r["op"]))(**r["params"])
            except Exception:  # errors are part of the floor too: the suite provokes them
                pass
        replay.cpu = time.process_time() - c0
        return time.perf_counter() - t0

    if kind == "moto":
        from moto import mock_aws

        with mock_aws():
            return send_all(None)
    from conformance.backends import moto_server

    with moto_server() as url:
        # moto's server logs a traceback for each 500 the suite provokes: noise here.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        # The embedded server keeps moto's state in this process: start from none, as the
        # in-process floor does (mock_aws starts empty).
        import requests as http

        http.post(f"{url}/moto-api/reset", timeout=10)
        return send_all(url)


def _row(cells: list[Any], widths: list[int]) -> str:
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated subset of {', '.join(RUNS)}")
    parser.add_argument("--profile", default="ci", help="Hypothesis profile of the suite (default ci)")
    parser.add_argument("-k", dest="keyword", default=None, help="pytest -k expression (a subset of the suite)")
    parser.add_argument("--keep", action="store_true", help="keep the run directories (printed)")
    args = parser.parse_args(argv)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    unknown = [r for r in runs if r not in RUNS]
    if unknown:
        print(f"bench: unknown run(s) {', '.join(unknown)}; choose from {', '.join(RUNS)}", file=sys.stderr)
        return 2
    extra = ["-k", args.keyword] if args.keyword else []
    print(f"machine: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()} "
          f"({platform.python_implementation()}), {platform.system()} {platform.machine()}")
    print(f"suite: profile {args.profile}" + (f", -k {args.keyword!r}" if args.keyword else ", all tests"))
    work = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    results: dict[str, dict[str, Any]] = {}
    for name in runs:
        kind, _, n = name.partition("-n")
        print(f"... running {name}", flush=True)
        result = run_suite(kind, int(n) if n else None, args.profile, extra, work)
        result["floor"] = replay(result["requests"], kind)
        result["floor_cpu"] = replay.cpu
        results[name] = result

    widths = [10, 6, 8, 9, 8, 10, 12, 9, 9]
    print()
    print(_row(["run", "calls", "wall s", "session s", "floor s", "wall/floor", "session/floor",
                "startup s", "gen+chk s"], widths))
    for r in results.values():
        floor = max(r["floor"], 1e-9)
        print(_row([r["name"], len(r["requests"]), f"{r['wall']:.1f}", f"{r['session']:.1f}",
                    f"{r['floor']:.2f}", f"{r['wall'] / floor:.1f}x", f"{r['session'] / floor:.1f}x",
                    f"{r['wall'] - r['session']:.1f}", f"{r['session'] - r['floor']:.1f}"], widths))
    print("CPU seconds (load-robust; with -n 2 the workers' sum, so against one floor):")
    print(_row(["run", "session cpu s", "floor cpu s", "session/floor cpu"], [10, 13, 11, 17]))
    for r in results.values():
        print(_row([r["name"], f"{r['session_cpu']:.1f}", f"{r['floor_cpu']:.2f}",
                    f"{r['session_cpu'] / max(r['floor_cpu'], 1e-9):.1f}x"], [10, 13, 11, 17]))
    for r in results.values():
        s = r["summary"]
        print(f"  {r['name']}: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, "
              f"{s['error']} error")

    if "moto" in results:
        moto_requests = results["moto"]["requests"]
        in_process = results["moto"]["floor"]
        over_http = replay(moto_requests, "server")
        print(f"\nin-process vs server, same {len(moto_requests)} requests (the moto run's): "
              f"{in_process:.2f} s vs {over_http:.2f} s = {over_http / max(in_process, 1e-9):.2f}x "
              f"({1000 * in_process / max(len(moto_requests), 1):.1f} vs "
              f"{1000 * over_http / max(len(moto_requests), 1):.1f} ms per call)")
    if "moto" in results and "server" in results:
        print(f"suite wall, server vs moto in-process: {results['server']['wall']:.1f} s vs "
              f"{results['moto']['wall']:.1f} s = {results['server']['wall'] / results['moto']['wall']:.2f}x "
              f"(the server run also runs the schemathesis tests)")
    for kind in ("moto", "server"):
        if kind in results and f"{kind}-n2" in results:
            a, b = results[kind]["wall"], results[f"{kind}-n2"]["wall"]
            print(f"xdist on {kind}: wall {a:.1f} s without, {b:.1f} s with -n 2 = {a / b:.2f}x speed-up")
    if args.keep:
        print(f"\nrun directories: {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
