"""Small synthetic reports: valid against report.schema.json, a few results each."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

BASE: dict[str, Any] = {
    "schema_version": 1,
    "service": "sagemaker",
    "backend": {"kind": "moto", "endpoint": None, "record_mode": None},
    "versions": {"suite": "0.1.0", "botocore": "1.43.11", "moto": "5.2.1"},
    "started_at": "2021-06-28T10:00:00+00:00",
    "duration_s": 1.5,
    "notes": [],
}


def result(rid: str, outcome: str = "passed", message: str | None = None, **extra: Any) -> dict[str, Any]:
    operation, check, _ = rid.split("/", 2)
    out = {"id": rid, "operation": operation, "check": check, "outcome": outcome,
           "message": message, "basis": "model"}
    out.update(extra)
    return out


def report(*results: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(fields)
    data["results"] = sorted(results, key=lambda r: r["id"])
    data["summary"] = {o: sum(r["outcome"] == o for r in results)
                       for o in ("passed", "failed", "skipped", "error")}
    return data


def write(path: Path, data: Any) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


#: Ids used across the gate and compare tests.
CREATE = "CreateCompilationJob/accepted/2021-06-28-amba_cv25-vpc"
DESCRIBE = "DescribeCompilationJob/roundtrip/2021-06-28-amba_cv25-vpc"
STOP = "StopCompilationJob/no-server-error/generated"
LIST = "ListCompilationJobs/response-shape/generated"
