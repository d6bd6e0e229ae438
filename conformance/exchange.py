"""One request and what came back on the wire, whatever the backend.

moto in-process, an HTTP emulator and a cassette replay all yield the same
:class:`Exchange`. The raw body is taken from botocore's ``before-parse`` event, so the
checks see what the backend sent (a timestamp as a string, an unknown enum value), not
what botocore's parser made of it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore import xform_name

_MISSING = object()


@dataclass(frozen=True)
class Exchange:
    """A request and its response. ``status`` is None when no response arrived."""

    operation: str
    request: dict[str, Any]
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes = b""
    parsed: dict[str, Any] | None = None
    error_code: str | None = None
    transport_error: str | None = None
    duration_s: float = 0.0
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def is_client_error(self) -> bool:
        return self.status is not None and 400 <= self.status < 500

    def wire(self) -> Any:
        """The body as JSON, parsed once per exchange: every wire clause reads it, so the checks
        share it and must not change it. Raises ValueError when it is not JSON (a check turns
        that into a verdict)."""
        parsed = self.__dict__.get("_wire")
        if parsed is None:
            try:
                parsed = (json.loads(self.raw_body.decode("utf-8")) if self.raw_body else {}, None)
            except ValueError as exc:
                parsed = (None, str(exc))
            self.__dict__["_wire"] = parsed  # a cache, not state: the frozen fields are unchanged
        if parsed[1] is not None:
            raise ValueError(parsed[1])
        return parsed[0]

    def wire_or_none(self) -> Any:
        try:
            return self.wire()
        except ValueError:
            return _MISSING

    def describe(self) -> str:
        """One line for messages: what was sent and what came back."""
        if self.status is None:
            return f"{self.operation} -> no response ({self.transport_error})"
        code = f" {self.error_code}" if self.error_code else ""
        return f"{self.operation} -> HTTP {self.status}{code}"

    def example(self, *, body_limit: int = 2000) -> dict[str, Any]:
        """A JSON-able minimal example for the report: the request and the response."""
        body = self.raw_body.decode("utf-8", "replace")
        if len(body) > body_limit:
            body = body[:body_limit] + f"... ({len(self.raw_body)} bytes)"
        return {
            "operation": self.operation,
            "request": _jsonable(self.request),
            "response": {
                "status": self.status,
                "error_code": self.error_code,
                "transport_error": self.transport_error,
                "body": body,
            },
        }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    return repr(value)


#: Consecutive read timeouts of one operation after which the caller stops sending it.
TRIP = 2


class Caller:
    """Sends requests through a botocore client and records each :class:`Exchange`.

    ``history`` keeps every exchange of this caller, in order, so a scenario can be
    checked as a whole (pagination walks, lifecycle sequences).
    """

    def __init__(self, client: Any, *, keep_history: bool = True) -> None:
        self.client = client
        self.keep_history = keep_history
        self.history: list[Exchange] = []
        #: Called with every exchange this caller makes (the run's wire clauses judge them all).
        self.observers: list[Any] = []
        self._local = threading.local()
        #: Consecutive read timeouts per operation. After TRIP of them the operation is no
        #: longer sent (a hanging backend would cost read_timeout per Hypothesis example);
        #: each such exchange says so in its transport_error.
        self._timeouts: dict[str, int] = {}
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-parse.{service}", self._capture)

    def _capture(self, response_dict: dict[str, Any], **_: Any) -> None:
        self._local.response = response_dict

    def call(self, operation: str, request: dict[str, Any] | None = None, *, observe: bool = True) -> Exchange:
        """Send one request; ``observe=False`` for the run's own diagnostics (a probe), which
        no wire clause judges."""
        exchange = self._send(operation, request)
        if observe:
            for observer in self.observers:
                observer(exchange)
        return exchange

    def _send(self, operation: str, request: dict[str, Any] | None) -> Exchange:
        request = dict(request or {})
        if self._timeouts.get(operation, 0) >= TRIP:
            exchange = Exchange(operation, request, None, transport_error=(
                f"not sent: the last {TRIP} {operation} calls timed out, the backend hangs"))
            if self.keep_history:
                self.history.append(exchange)
            return exchange
        self._local.response = None
        method = getattr(self.client, xform_name(operation))
        parsed: dict[str, Any] | None = None
        error_code: str | None = None
        transport_error: str | None = None
        started = time.perf_counter()
        try:
            parsed = method(**request)
        except ClientError as exc:
            parsed = exc.response
            error_code = exc.response.get("Error", {}).get("Code") or None
        except ReadTimeoutError as exc:
            transport_error = f"{type(exc).__name__}: {exc}"
            self._timeouts[operation] = self._timeouts.get(operation, 0) + 1
        except (EndpointConnectionError, ConnectionClosedError) as exc:
            transport_error = f"{type(exc).__name__}: {exc}"
        except BotoCoreError as exc:
            # e.g. ResponseParserError on a body that is not JSON: the raw response was seen.
            transport_error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - an in-process backend may raise anything
            transport_error = f"backend raised {type(exc).__name__}: {exc}"
        duration = time.perf_counter() - started
        raw = self._local.response
        self._local.response = None
        if raw is not None:
            self._timeouts.pop(operation, None)
        if raw is None:
            exchange = Exchange(
                operation, request, None, transport_error=transport_error, duration_s=duration
            )
        else:
            body = raw.get("body") or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            attempts = 1
            if isinstance(parsed, dict):
                attempts += int(parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)
            exchange = Exchange(
                operation,
                request,
                int(raw.get("status_code")),
                headers={str(k): str(v) for k, v in (raw.get("headers") or {}).items()},
                raw_body=bytes(body),
                parsed=parsed,
                error_code=error_code,
                transport_error=transport_error,
                duration_s=duration,
                attempts=attempts,
            )
        if self.keep_history:
            self.history.append(exchange)
        return exchange
