"""Benchmark of strategies/ (a script, not a timed test): ``python benchmarks/bench_strategies.py``.

Prints, measured in one run on this machine:

1. valid-request examples per second, Hypothesis running 300 examples (generate phase
   only, no database), for CreateCompilationJob and ListCompilationJobs: our
   ``strategies.requests`` against schemathesis generating the request body of an
   OpenAPI 3 document whose requestBody schema is the JSON Schema of the same input shape
   (patterns translated the same way, so both draw the same language);
2. the time to build the strategies of every SageMaker operation (lazy: the call), and
   to force them (every shape strategy built, as a first draw would);
3. validator throughput over the same drawn requests: ``strategies.validate`` against
   botocore's ``ParamValidator``, and how many more problem kinds ours checks.

Targets (issue 3): generation >= 5x schemathesis; build < 2 s; validation at least as
fast as botocore's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import botocore.session  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import strategies  # noqa: E402
from strategies._patterns import PatternError, translate  # noqa: E402

OPERATIONS = ("CreateCompilationJob", "ListCompilationJobs")


def json_schema(shape: Any, components: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a botocore shape as it travels in a JSON body."""
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        if shape.name not in components:
            components[shape.name] = {}  # placeholder for recursion
            components[shape.name] = {
                "type": "object",
                "properties": {n: json_schema(m, components) for n, m in shape.members.items()},
                "required": list(shape.required_members),
                "additionalProperties": False,
            }
            if not components[shape.name]["required"]:
                del components[shape.name]["required"]
        return {"$ref": f"#/components/schemas/{shape.name}"}
    if t == "list":
        out = {"type": "array", "items": json_schema(shape.member, components)}
        if "min" in meta:
            out["minItems"] = meta["min"]
        if "max" in meta:
            out["maxItems"] = meta["max"]
        return out
    if t == "map":
        out = {"type": "object", "additionalProperties": json_schema(shape.value, components)}
        if "min" in meta:
            out["minProperties"] = meta["min"]
        if "max" in meta:
            out["maxProperties"] = meta["max"]
        return out
    if t == "string":
        if shape.enum:
            return {"type": "string", "enum": list(shape.enum)}
        out = {"type": "string"}
        if "min" in meta:
            out["minLength"] = meta["min"]
        if "max" in meta:
            out["maxLength"] = meta["max"]
        if meta.get("pattern"):
            try:
                out["pattern"] = f"^(?:{translate(meta['pattern'])})$"
            except PatternError:
                pass
        return out
    if t in ("integer", "long"):
        out = {"type": "integer"}
    elif t in ("float", "double"):
        out = {"type": "number"}
    elif t == "boolean":
        return {"type": "boolean"}
    elif t == "timestamp":
        return {"type": "number", "minimum": 946684800, "maximum": 4102444800}
    elif t == "blob":
        return {"type": "string", "format": "byte"}
    else:
        return {}
    if "min" in meta:
        out["minimum"] = meta["min"]
    if "max" in meta:
        out["maximum"] = meta["max"]
    return out


def openapi_document(service_model: Any, names: tuple[str, ...]) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths = {}
    for name in names:
        op = service_model.operation_model(name)
        paths[f"/{name}"] = {
            "post": {
                "operationId": name,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": json_schema(op.input_shape, components)}},
                },
                "responses": {"200": {"description": "OK"}},
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": service_model.service_name, "version": "1"},
        "paths": paths,
        "components": {"schemas": components},
    }


def rate(strategy: st.SearchStrategy[Any], n: int) -> tuple[float, int]:
    """Examples per second with Hypothesis running ``n`` examples of ``strategy``."""
    count = [0]

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(_: Any) -> None:
        count[0] += 1

    started = time.perf_counter()
    run()
    return count[0] / (time.perf_counter() - started), count[0]


def draw_requests(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    out: list[Any] = []

    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--examples", type=int, default=300)
    args = parser.parse_args(argv)
    n = args.examples
    warnings.simplefilter("ignore")

    session = botocore.session.get_session()

    # 2. build time first, on a fresh service model (nothing cached yet)
    sagemaker = session.get_service_model("sagemaker")
    started = time.perf_counter()
    built = [strategies.requests(sagemaker.operation_model(name)) for name in sagemaker.operation_names]
    lazy = time.perf_counter() - started
    started = time.perf_counter()
    for strategy in built:
        strategy.validate()
    forced = time.perf_counter() - started

    print(f"== build: {len(built)} SageMaker operations")
    print(f"   strategies.requests() for all (lazy)      {lazy * 1000:8.1f} ms   target < 2000 ms")
    print(f"   forced (every strategy built, validated)  {forced * 1000:8.1f} ms")

    # 1. generation
    import schemathesis

    doc = openapi_document(sagemaker, OPERATIONS)
    schema = schemathesis.openapi.from_dict(doc)
    print(f"\n== generation: valid requests/s, {n} examples each (Hypothesis, generate phase)")
    ratios = []
    for name in OPERATIONS:
        ours = strategies.requests(sagemaker.operation_model(name))
        rate(ours, 20)  # warm caches, as schemathesis' schema is loaded already
        theirs = schema[f"/{name}"]["POST"].as_strategy().map(lambda case: case.body)
        rate(theirs, 20)
        ours_rate, _ = rate(ours, n)
        theirs_rate, _ = rate(theirs, n)
        ratios.append(ours_rate / theirs_rate)
        print(f"   {name:24s} ours {ours_rate:8.1f}/s   schemathesis {theirs_rate:8.1f}/s   ratio {ours_rate / theirs_rate:5.1f}x   target >= 5x")

    # 3. validation
    print(f"\n== validation: requests/s over the same {n} drawn requests per operation")
    validator = ParamValidator()
    for name in OPERATIONS:
        op = sagemaker.operation_model(name)
        shape = op.input_shape
        requests = draw_requests(strategies.requests(op), n)
        invalid = [r for r, _ in draw_requests(strategies.invalid_requests(op), n)]
        sample = requests + invalid
        rounds = max(1, 3000 // len(sample))
        strategies.validate(sample[0], shape)  # compile once
        started = time.perf_counter()
        for _ in range(rounds):
            for request in sample:
                strategies.validate(request, shape)
        ours = rounds * len(sample) / (time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(rounds):
            for request in sample:
                validator.validate(request, shape)
        theirs = rounds * len(sample) / (time.perf_counter() - started)
        caught_ours = sum(bool(strategies.validate(r, shape)) for r in invalid)
        caught_botocore = sum(validator.validate(r, shape).has_errors() for r in invalid)
        print(
            f"   {name:24s} ours {ours:9.0f}/s   botocore {theirs:9.0f}/s   ratio {ours / theirs:5.1f}x   "
            f"invalid caught: ours {caught_ours}/{len(invalid)}, botocore {caught_botocore}/{len(invalid)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
