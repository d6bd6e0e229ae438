"""Backends: where requests go. One interface, three kinds.

- ``moto``: moto's in-process ``mock_aws``; needs nothing running.
- ``server``: any emulator over HTTP at ``endpoint``; with none, moto's own server is started
  on a free loopback port for the run and stopped after.
- ``aws``: the real API through vcrpy cassettes (replay by default; see :mod:`conformance.cassettes`).

Every backend hands out botocore clients with bounded, visible retries and bounded timeouts,
so a faulty backend costs a verdict, not minutes.
"""

from __future__ import annotations

import contextlib
import socket
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import boto3
from botocore.config import Config

from .errors import UsageError
from .model import SERVICE

KINDS = ("moto", "server", "aws")
RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
DEFAULT_REGION = "us-east-1"

_DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}


@dataclass
class BackendOptions:
    kind: str = "moto"
    endpoint: str | None = None
    region: str = DEFAULT_REGION
    record_mode: str = "none"
    max_attempts: int = 8
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    cassette_dir: str = "cassettes"

    def validate(self) -> "BackendOptions":
        if self.kind not in KINDS:
            raise UsageError(f"unknown backend {self.kind!r}; choose one of: {', '.join(KINDS)}")
        if self.record_mode not in RECORD_MODES:
            raise UsageError(
                f"unknown record mode {self.record_mode!r}; choose one of: {', '.join(RECORD_MODES)}"
            )
        if self.endpoint is not None:
            parsed = urllib.parse.urlparse(self.endpoint)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise UsageError(f"--endpoint-url {self.endpoint!r} is not an http(s) URL")
            if self.kind == "moto":
                raise UsageError("--endpoint-url needs --backend server (moto runs in-process)")
        if self.max_attempts < 1:
            raise UsageError("--max-attempts must be at least 1")
        return self


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_reachable(url: str, timeout: float = 3.0) -> None:
    """Fail fast, with one line, when nothing listens at ``url``."""
    parsed = urllib.parse.urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        raise UsageError(f"endpoint {url} is unreachable: {exc.strerror or exc}") from None


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's ThreadedMotoServer on a free loopback port; yield its URL; stop it.

    werkzeug's per-request access log is silenced: it would drown the run's own output.
    """
    import logging

    from .motoserver import moto_server as _moto_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with _moto_server() as url:
        yield url


@dataclass
class Backend:
    """A started backend. Use :func:`open_backend`; it starts and stops what is needed."""

    options: BackendOptions
    endpoint: str | None = None
    _clients: list[Any] = field(default_factory=list)
    #: ``aws`` only: rewrites a request before it is sent (the account's role and S3 locations
    #: when recording on a real account, the recorded ones when replaying; see cassettes).
    request_transform: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None

    @property
    def kind(self) -> str:
        return self.options.kind

    @property
    def offline(self) -> bool:
        """Replaying cassettes: nothing is created anywhere, nothing can be called outside them."""
        return self.kind == "aws" and self.options.record_mode == "none"

    def prepare(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        return self.request_transform(operation, request) if self.request_transform else request

    def client(self, *, service: str = SERVICE) -> Any:
        # A replay holds each answer once, as recorded: it is not asked twice.
        attempts = 1 if self.offline else self.options.max_attempts
        config = Config(
            region_name=self.options.region,
            retries={"total_max_attempts": attempts, "mode": "standard"},
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
            parameter_validation=False,
        )
        kwargs: dict[str, Any] = {"config": config, "region_name": self.options.region}
        if self.endpoint:
            kwargs["endpoint_url"] = self.endpoint
        if self.kind != "aws" or self.options.record_mode == "none":
            kwargs.update(_DUMMY_CREDENTIALS)
        client = boto3.session.Session().client(service, **kwargs)
        client.meta.conformance_backend = self.kind  # the Caller's backoff: emulator or AWS
        if self.kind == "aws":
            from .cassettes import instrument

            instrument(client)
        self._clients.append(client)
        return client

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "endpoint": self.endpoint,
            "record_mode": self.options.record_mode if self.kind == "aws" else None,
        }


@contextlib.contextmanager
def open_backend(options: BackendOptions) -> Iterator[Backend]:
    """Start the backend ``options`` names for the duration of the block."""
    options.validate()
    with _long_lived_heap_frozen(), _started(options) as backend:
        yield backend


@contextlib.contextmanager
def _long_lived_heap_frozen() -> Iterator[None]:
    """For the block, leave what is already allocated out of the garbage collector's walks.

    When a run opens its backend, pytest, Hypothesis, botocore and moto are imported: about
    100,000 tracked objects that live as long as the process, which every full collection
    walked again (0.15-0.2 s each on a 2-core machine). ``gc.freeze`` moves them to the
    permanent generation, so the full collections during the run walk only what the run made
    (measured, dev profile on moto: 0.65-0.87 s of CPU in full collections instead of
    0.9-1.0 s; the collections during start-up and collection, before this, are unchanged).
    Objects made during the block are collected as before; ``gc.unfreeze`` at the end of the
    outermost block hands the rest back."""
    import gc

    global _frozen_depth
    if _frozen_depth == 0:
        gc.freeze()
    _frozen_depth += 1
    try:
        yield
    finally:
        _frozen_depth -= 1
        if _frozen_depth == 0:
            gc.unfreeze()


_frozen_depth = 0


@contextlib.contextmanager
def _started(options: BackendOptions) -> Iterator[Backend]:
    if options.kind == "moto":
        from moto import mock_aws

        with mock_aws():
            yield Backend(options)
    elif options.kind == "server":
        if options.endpoint:
            check_reachable(options.endpoint)
            yield Backend(options, endpoint=options.endpoint)
        else:
            with moto_server() as url:
                yield Backend(options, endpoint=url)
    else:
        yield Backend(options, endpoint=options.endpoint)
