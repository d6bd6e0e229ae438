"""One request and what came back on the wire, whatever the backend.

moto in-process, an HTTP emulator and a cassette replay all yield the same
:class:`Exchange`. The raw body is taken from botocore's ``before-parse`` event, so the
checks see what the backend sent (a timestamp as a string, an unknown enum value), not
what botocore's parser made of it.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.retries import standard
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
    #: Every attempt before the last, oldest first: ``{"status", "error_code", "transport_error"}``
    #: (empty when the first answer was the one kept).
    retried: tuple[dict[str, Any], ...] = ()
    #: Wall-clock time (``time.time()``) the first attempt was sent: xdist workers share the
    #: clock, so an exchange of one can be placed in a window of another (isolation's).
    sent_at: float = 0.0

    @property
    def answered_at(self) -> float:
        return self.sent_at + self.duration_s

    @property
    def lost(self) -> bool:
        """No answer came over the wire (a timeout, a reset, the breaker): not an in-process
        backend's crash, which is its answer every time."""
        return self.status is None and not (self.transport_error or "").startswith(IN_PROCESS_CRASH)

    @property
    def blocked(self) -> bool:
        """Not sent at all: the breaker stopped sending an operation that kept timing out."""
        return self.status is None and (self.transport_error or "").startswith(NOT_SENT)

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
        """A JSON-able minimal example for the report: the request and the response, and
        the attempts retried before it (a verdict judged on a retried exchange says so)."""
        body = self.raw_body.decode("utf-8", "replace")
        if len(body) > body_limit:
            body = body[:body_limit] + f"... ({len(self.raw_body)} bytes)"
        example = {
            "operation": self.operation,
            "request": _jsonable(self.request),
            "response": {
                "status": self.status,
                "error_code": self.error_code,
                "transport_error": self.transport_error,
                "body": body,
            },
        }
        if self.retried:
            example["attempts"] = self.attempts
            example["retried"] = [dict(a) for a in self.retried]
        return example


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    return repr(value)


#: Consecutive calls of one operation that timed out on every attempt, after which the
#: caller stops sending it.
TRIP = 2
#: Attempts a call may spend on read timeouts: a hung attempt costs one read timeout, then its
#: retry. Four: a backend that hangs 5% of its calls leaves one call in 160,000 unanswered
#: (two would leave one in 400: several per run); a backend that always hangs costs an
#: operation TRIP x 4 read timeouts before the breaker stops sending it.
TIMEOUT_ATTEMPTS = 4
#: Backoff against an emulator (moto, ``--backend server``): botocore's standard backoff
#: scaled by this (a throttle waits up to 0.1 s, then 0.2 s, ...; capped at 2 s). A throttle
#: on loopback is not load that waiting relieves, and botocore's full second per throttle
#: would make a 30%-throttled run minutes longer. Against AWS: botocore's backoff unchanged.
EMULATOR_BACKOFF_SCALE = 0.1


def _attempt(context: standard.RetryContext) -> dict[str, Any]:
    """What one attempt got: status and error code, or the transport error."""
    if context.caught_exception is not None:
        exc = context.caught_exception
        return {"status": None, "error_code": None, "transport_error": f"{type(exc).__name__}: {exc}"}
    status = context.http_response.status_code if context.http_response is not None else None
    return {"status": status, "error_code": context.get_error_code(), "transport_error": None}


def _signature(attempt: dict[str, Any]) -> tuple[Any, ...]:
    return attempt["status"], attempt["error_code"], (attempt["transport_error"] or "").split(":")[0]


@dataclass(frozen=True)
class _Answer:
    """What botocore's retry conditions read of an HTTP answer."""

    status_code: int
    headers: Any


class RetryPolicy:
    """When the Caller sends an attempt again: botocore's standard retry conditions decide
    what is retryable (throttling codes, 500/502/503/504 and transient codes, connection
    errors, read timeouts: ``botocore.retries.standard.StandardRetryConditions``) and its
    ``ExponentialBackoff`` how long to wait, within a budget:

    - at most ``max_attempts`` attempts a call;
    - a hung attempt costs one read timeout, then its retry, up to ``TIMEOUT_ATTEMPTS``;
    - a budget that ends on a throttle keeps the server's last other answer to the call, if
      it gave one (a throttle says "slow down", nothing of the request);
    - a persistent answer is not waited on: once a call of an operation spent every attempt,
      most of them on one answer that is not a throttle, that answer to a later attempt of the
      operation is kept at once for the rest of the run (moto's unimplemented
      StopCompilationJob answers 500 every time: a finding, fast). A transient 5xx at a rate
      of 20% spends a budget of 8 attempts once in 390,000 calls.

    botocore's retry quota (a token bucket that stops retrying after ~100 failed attempts)
    is not used: it protects a service from retry storms, and would turn the transient
    faults of a long run into findings.
    """

    def __init__(self, max_attempts: int, *, emulator: bool) -> None:
        self.max_attempts = max_attempts
        self._conditions = standard.StandardRetryConditions(max_attempts=max_attempts)
        scale = EMULATOR_BACKOFF_SCALE if emulator else 1.0
        self._backoff = standard.ExponentialBackoff(
            random=lambda: random.random() * scale,
            service_name="sagemaker",
            throttling_detector=standard.ThrottlingErrorDetector(standard.RetryEventAdapter()),
        )
        #: operation -> signature of the answer it kept giving through a whole budget
        self.persistent: dict[str, tuple[Any, ...]] = {}

    def delay(self, context: standard.RetryContext, earlier: list[dict[str, Any]]) -> float | None:
        """Seconds to wait before the next attempt, or None to keep this answer."""
        operation = context.operation_model.name if context.operation_model is not None else "?"
        now = _attempt(context)
        if self.persistent.get(operation) == _signature(now):
            return None
        if not self._conditions.is_retryable(context):
            if context.attempt_number >= self.max_attempts:
                self._learn(operation, [*earlier, now])
            return None
        if isinstance(context.caught_exception, ReadTimeoutError) and sum(
                (a["transport_error"] or "").startswith("ReadTimeoutError") for a in earlier) + 1 >= TIMEOUT_ATTEMPTS:
            return None
        return self._backoff.delay_amount(context)

    def delay_for(self, operation: str, attempt_number: int, earlier: list[dict[str, Any]], *,
                  status: int | None = None, headers: Any = None, error_code: str | None = None,
                  exception: BaseException | None = None) -> float | None:
        """:meth:`delay` for an attempt botocore did not send (schemathesis' calls): its
        answer, or the exception that stood for one."""
        from .model import service_model

        model = service_model()
        context = standard.RetryContext(
            attempt_number,
            operation_model=model.operation_model(operation) if operation in model.operation_names else None,
            parsed_response={"Error": {"Code": error_code}} if error_code else None,
            http_response=_Answer(status, headers or {}) if status is not None else None,
            caught_exception=exception,
        )
        return self.delay(context, earlier)

    def _learn(self, operation: str, attempts: list[dict[str, Any]]) -> None:
        """A call spent its whole budget: the answer most of its attempts got (more than
        half), unless a throttle (by definition a request to slow down, never persistent),
        is the operation's persistent answer."""
        signatures = [_signature(a) for a in attempts]
        top = max(set(signatures), key=signatures.count)
        if signatures.count(top) * 2 > len(signatures) and top[1] not in THROTTLING:
            self.persistent[operation] = top


#: The error codes botocore's standard mode treats as throttling.
THROTTLING = frozenset(standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES)


class RetryCounter:
    """Counts, per operation, exchanges, those retried and their retries (report ``retries``);
    plain JSON-able state, so xdist workers can ship it and :func:`add_up` add them up."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}

    def __call__(self, exchange: Exchange) -> None:
        entry = self.counts.setdefault(exchange.operation, {"exchanges": 0, "retried": 0, "retries": 0})
        entry["exchanges"] += 1
        if exchange.retried:
            entry["retried"] += 1
            entry["retries"] += len(exchange.retried)

    def state(self) -> dict[str, dict[str, int]]:
        return {op: dict(entry) for op, entry in self.counts.items()}


def add_up(parts: Any) -> dict[str, Any]:
    """The figures of several pytest-xdist workers as one run's (the report's ``retries`` and
    ``waiting``, whose ``max_live_jobs`` is each worker's share of the bound): numbers add up
    (rounded to the millisecond), nested dicts add up key by key; a worker that sent nothing
    (None) adds nothing."""
    out: dict[str, Any] = {}
    for part in filter(None, parts):
        for key, value in part.items():
            if isinstance(value, dict):
                out[key] = add_up([out.get(key), value])
            else:
                out[key] = round(out.get(key, 0) + value, 3)
    return out


class Caller:
    """Sends requests through a botocore client and records each :class:`Exchange`.

    ``history`` keeps every exchange of this caller, in order, so a scenario can be
    checked as a whole (pagination walks, lifecycle sequences). Retries are the Caller's
    (:class:`RetryPolicy`, in place of the client's own handler): every attempt is seen, and
    the exchange records those it retried.
    """

    def __init__(self, client: Any, *, keep_history: bool = True, max_attempts: int | None = None,
                 emulator: bool | None = None) -> None:
        self.client = client
        self.keep_history = keep_history
        self.history: list[Exchange] = []
        #: Called with every exchange this caller makes (the run's wire clauses judge them all).
        self.observers: list[Any] = []
        self._local = threading.local()
        #: Consecutive calls per operation that timed out on every attempt. After TRIP of them
        #: the operation is no longer sent (a hanging backend would cost TIMEOUT_ATTEMPTS read
        #: timeouts per Hypothesis example); each such exchange says so in its transport_error,
        #: and is ``blocked``: no wire clause judges it.
        self._timeouts: dict[str, int] = {}
        if max_attempts is None:
            max_attempts = int((client.meta.config.retries or {}).get("total_max_attempts") or 1)
        if emulator is None:  # backends.Backend.client() says which backend the client calls
            emulator = getattr(client.meta, "conformance_backend", "aws") != "aws"
        self.retry = RetryPolicy(max_attempts, emulator=emulator)
        #: How many exchanges met a transient sign (a retry, no response, a 2xx that is not
        #: JSON), and those left without an answer: a test that fails after one of these is
        #: run again (the plugin's ``flaky``), one that had no answer is ``blocked``.
        self.unsteady = 0
        self.unanswered: list[Exchange] = []
        self._adapter = standard.RetryEventAdapter()
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-parse.{service}", self._capture)
        # In place of botocore's own standard handler (registered under this unique id).
        client.meta.events.unregister(f"needs-retry.{service}", unique_id=f"retry-config-{service}")
        client.meta.events.register(f"needs-retry.{service}", self._needs_retry,
                                    unique_id=f"retry-config-{service}")

    def mark(self) -> tuple[int, int]:
        return self.unsteady, len(self.unanswered)

    def since(self, mark: tuple[int, int]) -> tuple[list[Exchange], int]:
        """The unanswered exchanges, and how many unsteady ones, since :meth:`mark`."""
        return self.unanswered[mark[1]:], self.unsteady - mark[0]

    def _capture(self, response_dict: dict[str, Any], **_: Any) -> None:
        self._local.response = response_dict

    def _needs_retry(self, **kwargs: Any) -> float | None:
        """botocore's ``needs-retry`` event, after every attempt: record it, decide."""
        context = self._adapter.create_retry_context(**kwargs)
        attempts = getattr(self._local, "attempts", None)
        if attempts is None:  # a call not made through :meth:`call` (botocore's paginator): retried, unrecorded
            attempts = self._local.loose = [] if context.attempt_number == 1 else self._local.loose
        delay = self.retry.delay(context, attempts)
        attempts.append(_attempt(context))
        if delay is not None:
            if self._local.response is not None and attempts[-1]["error_code"] not in THROTTLING:
                self._local.answered = self._local.response  # the server's last word on the request
            self._local.response = None  # the next attempt's answer is the one to keep
        return delay

    def call(self, operation: str, request: dict[str, Any] | None = None, *, observe: bool = True) -> Exchange:
        """Send one request; ``observe=False`` for the run's own diagnostics (a probe), which
        no wire clause judges. An exchange not sent (the breaker) is observed by nobody."""
        exchange = self._send(operation, request)
        if observe and not exchange.blocked:
            for observer in self.observers:
                observer(exchange)
        return exchange

    def _parse(self, operation: str, raw: dict[str, Any]) -> dict[str, Any]:
        """A wire response as botocore's client parses it (a ClientError's ``response``)."""
        from botocore.parsers import create_parser

        model = self.client.meta.service_model
        return create_parser(model.metadata["protocol"]).parse(raw, model.operation_model(operation).output_shape)

    def _send(self, operation: str, request: dict[str, Any] | None) -> Exchange:
        request = dict(request or {})
        if self._timeouts.get(operation, 0) >= TRIP:
            exchange = Exchange(operation, request, None, transport_error=(
                f"{NOT_SENT}: the last {TRIP} {operation} calls timed out, the backend hangs"))
            self.unanswered.append(exchange)
            if self.keep_history:
                self.history.append(exchange)
            return exchange
        self._local.response = self._local.answered = None
        self._local.attempts = attempts = []
        method = getattr(self.client, xform_name(operation))
        parsed: dict[str, Any] | None = None
        error_code: str | None = None
        transport_error: str | None = None
        sent_at, started = time.time(), time.perf_counter()
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
            transport_error = f"{IN_PROCESS_CRASH} {type(exc).__name__}: {exc}"
        finally:
            self._local.attempts = None
        duration = time.perf_counter() - started
        raw, answered = self._local.response, self._local.answered
        self._local.response = self._local.answered = None
        if raw is not None and answered is not None and error_code in THROTTLING:
            # The budget ran out on a throttle, which says "slow down", nothing of the request:
            # the answer kept is the last one the server gave it (moto's 500 stays a finding,
            # and a check never takes a throttle for a refusal).
            raw = answered
            parsed = self._parse(operation, raw)
            error_code = (parsed.get("Error") or {}).get("Code") or None
        retried = tuple(attempts[:-1]) if attempts else ()
        if raw is not None:
            self._timeouts.pop(operation, None)
        if raw is None:
            exchange = Exchange(operation, request, None, transport_error=transport_error,
                                duration_s=duration, attempts=len(retried) + 1, retried=retried,
                                sent_at=sent_at)
        else:
            body = raw.get("body") or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
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
                attempts=len(retried) + 1,
                retried=retried,
                sent_at=sent_at,
            )
        if exchange.retried or exchange.lost or (exchange.ok and exchange.wire_or_none() is _MISSING):
            self.unsteady += 1
        if exchange.lost:
            self.unanswered.append(exchange)
        if self.keep_history:
            self.history.append(exchange)
        return exchange


#: How the transport_error of an exchange the breaker kept from being sent begins.
NOT_SENT = "not sent"
#: How the transport_error of an exchange whose in-process backend raised begins.
IN_PROCESS_CRASH = "backend raised"


def resend_transient(send: Any, max_attempts: int) -> Exchange:
    """``send()`` again while its answer is a throttle or no answer at all, up to
    ``max_attempts`` (for requests botocore does not send: raw bodies of the protocol checks,
    whose own 5xx is the finding). The exchange kept records the attempts before it."""
    retried: list[dict[str, Any]] = []
    while True:
        exchange = send()
        transient = exchange.status is None or exchange.error_code in THROTTLING
        if not transient or len(retried) + 1 >= max_attempts:
            break
        retried.append({"status": exchange.status, "error_code": exchange.error_code,
                        "transport_error": exchange.transport_error})
        time.sleep(random.random() * EMULATOR_BACKOFF_SCALE * min(2 ** len(retried), 20))
    if not retried:
        return exchange
    from dataclasses import replace

    return replace(exchange, attempts=len(retried) + 1, retried=tuple(retried))
