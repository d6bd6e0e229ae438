"""A small wire-level client for the fault-proxy tests: boto3 underneath (SigV4 and the AWS
JSON protocol as a real caller sends them), the raw status and body kept for each call."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/service-role/NeoRole"


def unique(prefix: str) -> str:
    """A job name no other test uses (moto's state is shared by every server in the process)."""
    return f"{prefix.replace('_', '-')[:40]}-{uuid.uuid4().hex[:8]}"


def create_request(name: str, **overrides: Any) -> dict:
    req = {
        "CompilationJobName": name,
        "RoleArn": ROLE,
        "InputConfig": {
            "S3Uri": "s3://neo-bucket/models/model.tar.gz",
            "DataInputConfig": '{"data":[1,3,224,224]}',
            "Framework": "PYTORCH",
            "FrameworkVersion": "1.8",
        },
        "OutputConfig": {"S3OutputLocation": "s3://neo-bucket/out/", "TargetDevice": "amba_cv25"},
        "VpcConfig": {"SecurityGroupIds": ["sg-0123abcd"], "Subnets": ["subnet-0123abcd"]},
        "StoppingCondition": {"MaxRuntimeInSeconds": 900},
        "Tags": [{"Key": "suite", "Value": "faults"}],
    }
    req.update(overrides)
    return req


@dataclass
class Reply:
    status: int | None
    headers: dict
    body: bytes
    error: BaseException | None = None
    parsed: Any = None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def code(self) -> str | None:
        data = self.json
        if isinstance(data, dict) and isinstance(data.get("__type"), str):
            return data["__type"].split("#")[-1]
        return None

    def __repr__(self) -> str:
        err = f" error={type(self.error).__name__}" if self.error is not None and self.status is None else ""
        return f"<Reply {self.status} {self.body[:300]!r}{err}>"


@dataclass
class Api:
    """``api.call("describe_compilation_job", CompilationJobName=...)`` -> :class:`Reply`."""

    client: Any
    log: list = field(default_factory=list)
    _raw: Any = None

    @classmethod
    def connect(cls, session: boto3.session.Session, url: str, read_timeout: float = 5.0) -> "Api":
        client = session.client(
            "sagemaker",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                parameter_validation=False,
                connect_timeout=2,
                read_timeout=read_timeout,
            ),
        )
        api = cls(client)
        client.meta.events.register("before-parse", api._capture)
        return api

    def _capture(self, response_dict: dict, **_: Any) -> None:
        self._raw = response_dict

    def call(self, operation: str, **params: Any) -> Reply:
        self._raw = None
        parsed, error = None, None
        try:
            parsed = getattr(self.client, operation)(**params)
        except Exception as exc:  # noqa: BLE001 - the reply records it
            error = exc
        raw = self._raw
        if raw is None:
            reply = Reply(None, {}, b"", error)
        else:
            reply = Reply(raw["status_code"], {k.lower(): v for k, v in raw["headers"].items()}, raw["body"], error, parsed)
        self.log.append((operation, params, reply))
        return reply

    def create(self, name: str, **overrides: Any) -> Reply:
        return self.call("create_compilation_job", **create_request(name, **overrides))

    def describe(self, name: str) -> Reply:
        return self.call("describe_compilation_job", CompilationJobName=name)

    def list(self, **params: Any) -> Reply:
        return self.call("list_compilation_jobs", **params)

    def names(self, **params: Any) -> list[str]:
        reply = self.list(**params)
        assert reply.status == 200, reply
        return [s["CompilationJobName"] for s in reply.json["CompilationJobSummaries"]]

    def walk(self, max_pages: int = 10, **params: Any) -> tuple[list[str], bool, list[Reply]]:
        """Follow NextToken for at most ``max_pages``: (names in order, ended, replies)."""
        names, replies, token = [], [], None
        for _ in range(max_pages):
            reply = self.list(**params, **({"NextToken": token} if token is not None else {}))
            replies.append(reply)
            if reply.status != 200:
                return names, False, replies
            names += [s["CompilationJobName"] for s in reply.json["CompilationJobSummaries"]]
            token = reply.json.get("NextToken")
            if token is None:
                return names, True, replies
        return names, False, replies
