"""Protocol clauses of AWS JSON 1.1 (``awsJson1_1``), the protocol every SageMaker operation
speaks: a request that is no call of a known operation is refused as the client's error, and
a success says what it is (``Content-Type``).

Two of these checks judge requests botocore cannot send (a body that is not JSON, an
``X-Amz-Target`` naming no operation), so they need an endpoint over HTTP: :func:`send_raw`
posts such a request, signed with SigV4 and dummy credentials as a botocore client would sign
it, and returns an :class:`~conformance.exchange.Exchange` like any other, so the registry turns
a :class:`Mismatch` into a failure with the request and the raw answer as its example. Nothing
it is given to send can create a job: a body that is not JSON names none.

``content-type`` judges ordinary exchanges (every 2xx of the run, applied by the wire clauses).
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.parse
from typing import Any

from ..exchange import Exchange
from ..model import SERVICE, service_model
from .registry import CheckContext, Mismatch, register

#: What AWS JSON services answer a body they cannot parse, and an unknown X-Amz-Target.
SERIALIZATION_CODE = "SerializationException"
UNKNOWN_OPERATION_CODE = "UnknownOperationException"
#: Key of a raw exchange's request (see :func:`send_raw`): no SageMaker input member has a
#: hyphen in its name, so an ordinary request never carries it.
TARGET_KEY = "X-Amz-Target"

_DUMMY = ("testing", "testing")


def media_type(service: str = SERVICE) -> str | None:
    """``application/x-amz-json-1.1`` for an AWS JSON service (from the model), else None."""
    metadata = service_model(service).metadata
    if metadata.get("protocol") != "json":
        return None
    return f"application/x-amz-json-{metadata.get('jsonVersion', '1.0')}"


def target(operation: str, service: str = SERVICE) -> str:
    """The ``X-Amz-Target`` of ``operation`` (``SageMaker.CreateCompilationJob``); the name
    need not be one the service has."""
    return f"{service_model(service).metadata['targetPrefix']}.{operation}"


def header(headers: dict[str, str], name: str) -> str | None:
    """A header's value whatever the case of its name (backends and cassettes differ)."""
    low = name.lower()
    for key, value in headers.items():
        if key.lower() == low:
            return value
    return None


def _sanitized(code: str) -> str:
    """The error type as Smithy's AWS JSON spec says clients read it: before ``:``, after ``#``."""
    return code.split(":", 1)[0].rsplit("#", 1)[-1]


def error_code(status: int | None, headers: dict[str, str], body: bytes) -> str | None:
    """The error type of a 4xx/5xx answer: the body's ``__type`` (or ``code``), else the
    ``X-Amzn-ErrorType`` header; None when neither is there."""
    if status is None or status < 400:
        return None
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (ValueError, UnicodeDecodeError):
        data = None
    code = None
    if isinstance(data, dict):
        code = data.get("__type") or data.get("code")
    code = code if isinstance(code, str) and code else header(headers, "X-Amzn-ErrorType")
    return _sanitized(code) if code else None


# ---------------------------------------------------------------- sending a raw request


def send_raw(
    endpoint: str,
    target_header: str,
    body: bytes,
    *,
    region: str = "us-east-1",
    timeout: float = 30.0,
    content_type: str | None = None,
    service: str = SERVICE,
) -> Exchange:
    """POST ``body`` to ``endpoint`` with ``X-Amz-Target: target_header`` and the protocol's
    ``Content-Type``, signed (SigV4, dummy credentials: an emulator that checks signatures
    sees a well-signed request, one that does not loses nothing). No redirect is followed and
    no proxy from the environment is used: what is judged is the endpoint's own answer.

    The Exchange's ``operation`` is the operation the target names; its ``request`` holds the
    target, the content type and the body as text (the report's example)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    content_type = content_type or media_type(service) or "application/json"
    model = service_model(service)
    parsed = urllib.parse.urlsplit(endpoint)
    path = (parsed.path.rstrip("/") or "") + "/"
    url = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, "", ""))
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={"Content-Type": content_type, TARGET_KEY: target_header})
    SigV4Auth(Credentials(*_DUMMY), model.signing_name or model.endpoint_prefix, region).add_auth(request)
    operation = target_header.split(".", 1)[1] if "." in target_header else target_header
    sent: dict[str, Any] = {TARGET_KEY: target_header, "Content-Type": content_type,
                            "body": body.decode("utf-8", "replace")}
    if parsed.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parsed.hostname, parsed.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=body, headers=dict(request.headers.items()))
        response = conn.getresponse()
        raw = response.read()
        status = response.status
        headers = {k: v for k, v in response.getheaders()}
    except (OSError, http.client.HTTPException) as exc:
        return Exchange(operation, sent, None, transport_error=f"{type(exc).__name__}: {exc}",
                        duration_s=time.perf_counter() - started)
    finally:
        conn.close()
    return Exchange(operation, sent, status, headers=headers, raw_body=raw,
                    error_code=error_code(status, headers, raw),
                    duration_s=time.perf_counter() - started)


# ---------------------------------------------------------------- guards and shared judgement


def _raw_body(exchange: Exchange) -> str | None:
    """The body of a request :func:`send_raw` made, or None for an ordinary exchange."""
    request = exchange.request
    if isinstance(request, dict) and TARGET_KEY in request and isinstance(request.get("body"), str):
        return request["body"]
    return None


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def malformed_body_call(exchange: Exchange) -> bool:
    """A raw call of a known operation whose body is not JSON."""
    body = _raw_body(exchange)
    return body is not None and not _is_json(body) and exchange.operation in service_model().operation_names


def unknown_operation_call(exchange: Exchange) -> bool:
    """A raw call whose X-Amz-Target names no operation of the service."""
    return _raw_body(exchange) is not None and exchange.operation not in service_model().operation_names


def _require_rejected(exchange: Exchange, what: str, aws_code: str, why: str) -> None:
    expected = (f"{why}; AWS JSON services answer HTTP 400 {aws_code}, any 4xx passes, since the "
                "code SageMaker sends is not public")
    if exchange.status is None:
        raise Mismatch(f"no answer to {what}: {exchange.transport_error} ({expected})")
    if exchange.status < 400:
        raise Mismatch(f"HTTP {exchange.status} for {what}: the request was not refused "
                       f"(body {exchange.raw_body[:200]!r}); {expected}")
    if exchange.status >= 500:
        raise Mismatch(f"HTTP {exchange.status} for {what}: a server error for the client's "
                       f"mistake (body {exchange.raw_body[:200]!r}); {expected}")


def code_remark(exchange: Exchange, aws_code: str) -> str | None:
    """For a 4xx with another code than ``aws_code``: one line saying so (a fidelity note,
    never a failure); None when the code is ``aws_code`` or the answer is not a 4xx."""
    if not exchange.is_client_error or exchange.error_code == aws_code:
        return None
    code = exchange.error_code or "no error code"
    return (f"{exchange.operation}: answered HTTP {exchange.status} with {code}; AWS JSON services "
            f"answer {aws_code} (accepted: the code SageMaker sends is not public)")


# ---------------------------------------------------------------- the checks


@register("malformed-body-rejected", basis="assumption", applies=malformed_body_call)
def malformed_body_rejected(exchange: Exchange, ctx: CheckContext) -> None:
    """A call of a known operation (``X-Amz-Target: SageMaker.<Operation>``, ``Content-Type:
    application/x-amz-json-1.1``) whose body is not JSON is refused with a 4xx; a 2xx, a 5xx
    or no answer fails.

    Basis ``assumption``: the body is the client's mistake, so the answer is a client error.
    AWS JSON services answer ``400 SerializationException``, and Smithy's AWS protocol tests
    make that normative for restJson1 (``RestJsonInvalidJsonBody``, "When the request body is
    not valid JSON, the response should be a 400 SerializationException"); the awsJson1_1
    suite has no malformed-request case and no SageMaker answer is public. So any 4xx passes;
    another code than SerializationException is a fidelity note (:func:`code_remark`).
    Applies only to requests :func:`send_raw` made with a body that is not JSON."""
    _require_rejected(exchange, f"a {exchange.operation} body that is not JSON", SERIALIZATION_CODE,
                      "assumption: a body the service cannot parse is the client's error, a 4xx")


@register("unknown-operation-rejected", basis="aws-docs", applies=unknown_operation_call)
def unknown_operation_rejected(exchange: Exchange, ctx: CheckContext) -> None:
    """A call whose ``X-Amz-Target`` names no operation of the service (``SageMaker.
    NoSuchOperation``, body ``{}``) is refused with a 4xx; a 2xx, a 5xx or no answer fails.

    Basis ``aws-docs``: the common errors every SageMaker API Reference action page links to
    ("For information about the errors that are common to all actions, see Common Errors")
    list ``InvalidAction``, "The action or operation requested is invalid. Verify that the
    action is typed correctly.", HTTP status code 400. What AWS JSON services send on the wire
    is ``UnknownOperationException`` (the code botocore-based SDKs know); which of the two
    SageMaker sends is not public, so any 4xx passes, and another code than
    UnknownOperationException is a fidelity note (:func:`code_remark`).
    Applies only to requests :func:`send_raw` made with a target the model does not have."""
    _require_rejected(exchange, f"X-Amz-Target {exchange.request.get(TARGET_KEY)!r}, an operation "
                      "the service does not have", UNKNOWN_OPERATION_CODE,
                      "AWS's common errors: InvalidAction, the operation requested is invalid, HTTP 400")


def _success_with_headers(exchange: Exchange) -> bool:
    return exchange.ok and bool(exchange.headers) and media_type() is not None


@register("content-type", basis="observed-aws", applies=_success_with_headers)
def content_type(exchange: Exchange, ctx: CheckContext) -> None:
    """A success (2xx) of an AWS JSON 1.1 operation carries ``Content-Type:
    application/x-amz-json-1.1`` (the media type comes from the model's jsonVersion), also
    when its body is empty.

    Basis ``observed-aws``: the recorded response headers of real CreateCompilationJob and
    DescribeCompilationJob successes carry exactly this value (../shared/DESIGN.md); Smithy's
    awsJson1_1 specification states it as the header's static value, which a server "MUST
    still send" for an empty output. Parameters after the media type (``; charset=utf-8``) and
    the case of the header name are not judged: clients ignore both.

    Does not apply to an exchange without headers (an in-process path that hands over no
    headers has no Content-Type to judge), nor to a non-2xx answer (``error-contract`` and
    ``no-server-error`` judge those)."""
    expected = media_type()
    value = header(exchange.headers, "Content-Type")
    if value is None:
        raise Mismatch(f"a success without a Content-Type header; AWS sends {expected}")
    found = value.split(";", 1)[0].strip().lower()
    if found != expected:
        raise Mismatch(f"Content-Type {value!r} on a success; AWS sends {expected}")
