"""Round trip: what Create sent comes back from Describe, as far as AWS keeps it."""

from __future__ import annotations

from typing import Any

from .. import overlays
from ..exchange import Exchange
from .registry import CheckContext, Mismatch, on_success, register

#: What :func:`lookup` answers for a path the data does not hold (None may be a value).
ABSENT = object()


def lookup(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return ABSENT
        data = data[key]
    return data


def same(sent: Any, got: Any) -> bool:
    if isinstance(sent, list) and isinstance(got, list):
        # AWS gives no order guarantee for security groups and subnets.
        return sorted(map(repr, sent)) == sorted(map(repr, got))
    return sent == got


@register(
    "roundtrip", basis="model", applies=on_success, operations=("DescribeCompilationJob",)
)
def roundtrip(exchange: Exchange, ctx: CheckContext) -> None:
    """Every member of the Create request that AWS keeps (overlays.ROUND_TRIP_PATHS:
    names, role, input, output incl. TargetDevice such as amba_cv25 and TargetPlatform,
    VpcConfig, MaxRuntimeInSeconds) comes back unchanged from Describe. MaxWaitTimeInSeconds
    is not compared: AWS describes it away (observed-aws)."""
    if ctx.sent is None:
        raise Mismatch("round trip needs the Create request (ctx.sent)", basis="assumption")
    try:
        body = exchange.wire()
    except ValueError:
        raise Mismatch(f"body is not JSON: {exchange.raw_body[:200]!r}") from None
    diffs = []
    for path in overlays.ROUND_TRIP_PATHS:
        sent = lookup(ctx.sent, path)
        if sent is ABSENT:
            continue
        got = lookup(body, path)
        if got is ABSENT:
            diffs.append(f"{'.'.join(path)}: sent {sent!r}, Describe omits it")
        elif not same(sent, got):
            diffs.append(f"{'.'.join(path)}: sent {sent!r}, Describe returns {got!r}")
    if diffs:
        raise Mismatch("Describe does not return what Create sent:\n    " + "\n    ".join(diffs))
