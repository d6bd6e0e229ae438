"""Checks on status classes and error responses."""

from __future__ import annotations

from .. import overlays
from ..exchange import Exchange
from ..model import operation
from .registry import CheckContext, Mismatch, always, on_client_error, register


def _declared(op: str) -> set[str]:
    return {shape.name for shape in operation(op).error_shapes}


@register("no-server-error", basis="assumption", applies=always)
def no_server_error(exchange: Exchange, ctx: CheckContext) -> None:
    """A request answers with a response below 500. A 5xx, a reset connection, a timeout or
    an in-process crash means the backend failed the request (assumption: AWS answers 5xx
    only in outages, so a backend that always does is not implementing the operation)."""
    if exchange.status is None:
        raise Mismatch(f"no response: {exchange.transport_error}")
    if exchange.status >= 500:
        raise Mismatch(
            f"HTTP {exchange.status} for a well-formed request"
            f" (body {exchange.raw_body[:200]!r}); is {exchange.operation} implemented?"
        )


@register("error-contract", basis="model", applies=on_client_error)
def error_contract(exchange: Exchange, ctx: CheckContext) -> None:
    """An error body is JSON with a string ``__type`` naming an error the operation declares
    or a common AWS error (ValidationException, ThrottlingException, ... are valid for every
    operation: CreateCompilationJob answers ValidationException though the model lists only
    ResourceInUse and ResourceLimitExceeded, observed-aws), and a message."""
    try:
        body = exchange.wire()
    except ValueError:
        raise Mismatch(f"error body is not JSON: {exchange.raw_body[:200]!r}") from None
    if not isinstance(body, dict) or not isinstance(body.get("__type"), str):
        raise Mismatch(f"error body has no string __type: {exchange.raw_body[:200]!r}")
    code = body["__type"].rsplit("#", 1)[-1].split(":", 1)[0]
    allowed = _declared(exchange.operation) | overlays.COMMON_ERRORS
    if code not in allowed:
        raise Mismatch(
            f"error code {code!r} is neither declared for {exchange.operation} "
            f"({', '.join(sorted(_declared(exchange.operation))) or 'none'}) nor a common AWS error"
        )
    message = body.get("message", body.get("Message"))
    if not isinstance(message, str):
        raise Mismatch("error body has no string message (neither 'message' nor 'Message')")


@register("missing-resource", basis="observed-aws", applies=always)
def missing_resource(exchange: Exchange, ctx: CheckContext) -> None:
    """A request naming a resource that does not exist is answered HTTP 400 with
    ResourceNotFound (declared) or ValidationException. No real answer for a missing
    compilation job is public; SageMaker answers DescribeTrainingJob of a missing job with
    ValidationException "Requested resource not found.", so both are accepted, for every
    family (overlays.MISSING_RESOURCE_CODES). A 200, a 5xx or another code fails."""
    if exchange.status is None:
        raise Mismatch(f"no response: {exchange.transport_error}")
    if exchange.status != 400:
        raise Mismatch(f"expected HTTP 400 for a missing resource, got HTTP {exchange.status}")
    if exchange.error_code not in overlays.MISSING_RESOURCE_CODES:
        raise Mismatch(
            f"expected ResourceNotFound (or ValidationException), got {exchange.error_code!r}"
        )


def _answered(exchange: Exchange) -> bool:
    """A response below 500: 5xx and no response are ``no-server-error``'s alone."""
    return exchange.status is not None and exchange.status < 500


@register("accepted", basis="model", applies=_answered)
def accepted(exchange: Exchange, ctx: CheckContext) -> None:
    """A request that satisfies every constraint of the model (and the cross-field overlays)
    is accepted with a 2xx, not refused with a 4xx. This is where a backend with a stale
    enum (one that rejects TargetDevice amba_cv25, added 2021-06-28) shows red."""
    if not exchange.ok:
        raise Mismatch(
            f"a model-valid request was refused with HTTP {exchange.status} "
            f"{exchange.error_code or ''}: {exchange.raw_body[:300]!r}"
        )


def not_implemented(exchange: Exchange) -> bool:
    """The backend says it does not implement the operation (moto raises NotImplementedError
    in-process, or answers 5xx saying so over HTTP)."""
    text = f"{exchange.transport_error or ''} {exchange.raw_body[:500]!r}".lower()
    return (exchange.status is None or exchange.status >= 500) and (
        "notimplemented" in text.replace(" ", "") or "not been implemented" in text or "not implemented" in text)


@register("implemented", basis="assumption", applies=lambda e: not not_implemented(e))
def implemented(exchange: Exchange, ctx: CheckContext) -> None:
    """Create of a model-valid request answers below 500. A backend that does not implement
    the family is one skipped result (the check does not apply); one that implements it and
    crashes fails here once, and the family's other checks are not run (no cascade)."""
    if exchange.status is None or exchange.status >= 500:
        raise Mismatch(f"a model-valid Create crashed the backend: {exchange.transport_error or exchange.describe()} "
                       f"(body {exchange.raw_body[:200]!r})")
