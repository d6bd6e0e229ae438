"""Round trip: what Create sent comes back from Describe, as far as AWS keeps it."""

from __future__ import annotations

from typing import Any

from .. import overlays
from ..exchange import Exchange
from ..model import operation
from ..resources import ResourceSpec
from .registry import CheckContext, Mismatch, register

#: What :func:`lookup` answers for a path the data does not hold (None may be a value).
ABSENT = object()

#: Families whose kept members are declared from evidence (observed-aws: AWS describes
#: MaxWaitTimeInSeconds away); the others keep every Create member Describe returns.
DECLARED: dict[str, tuple[tuple[str, ...], ...]] = {"CompilationJob": overlays.ROUND_TRIP_PATHS}


def lookup(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return ABSENT
        data = data[key]
    return data


def kept_paths(spec: ResourceSpec) -> tuple[tuple[str, ...], ...]:
    """What a round trip of ``spec`` compares: the declared paths, else every Create member
    Describe returns under the same name."""
    if spec.family in DECLARED:
        return DECLARED[spec.family]
    out = operation(spec.describe).output_shape
    return tuple((m,) for m in operation(spec.create).input_shape.members if out is not None and m in out.members)


def kept_members(spec: ResourceSpec) -> list[str]:
    """The top-level Create members a round trip of ``spec`` compares (one result each)."""
    return list(dict.fromkeys(path[0] for path in kept_paths(spec)))


def differences(sent: Any, got: Any, path: str) -> list[str]:
    """Where ``got`` does not hold what ``sent`` holds: every member sent comes back equal
    (members the backend adds, defaults, are not differences); lists of scalars compare as
    multisets (AWS gives no order guarantee for security groups and subnets), lists of
    structures item by item; 1 and 1.0 are equal."""
    if isinstance(sent, dict):
        if not isinstance(got, dict):
            return [f"{path}: sent {sent!r:.120}, Describe returns {got!r:.120}"]
        return [d for key, value in sent.items()
                for d in (differences(value, got[key], f"{path}.{key}") if key in got
                          else [f"{path}.{key}: sent {value!r:.120}, Describe omits it"])]
    if isinstance(sent, list):
        if not isinstance(got, list) or len(got) != len(sent):
            return [f"{path}: sent {sent!r:.120}, Describe returns {got!r:.120}"]
        if not any(isinstance(item, dict | list) for item in sent):
            same = sorted(map(repr, map(_number, sent))) == sorted(map(repr, map(_number, got)))
            return [] if same else [f"{path}: sent {sent!r:.120}, Describe returns {got!r:.120}"]
        return [d for i, (a, b) in enumerate(zip(sent, got)) for d in differences(a, b, f"{path}[{i}]")]
    if _number(sent) != _number(got):
        return [f"{path}: sent {sent!r:.120}, Describe returns {got!r:.120}"]
    return []


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _basis(op: str, ctx: CheckContext) -> str:
    return "model" if ctx.family(op).family in DECLARED else "assumption"


def _answered(exchange: Exchange) -> bool:
    """A response below 500: a 5xx is ``no-server-error``'s alone."""
    return exchange.status is not None and exchange.status < 500


@register("roundtrip", basis="model", applies=_answered, basis_of=_basis)
def roundtrip(exchange: Exchange, ctx: CheckContext) -> None:
    """Every member of the Create request (``ctx.sent``) that AWS keeps comes back unchanged
    from Describe; members the backend adds are allowed. For compilation jobs the kept paths
    are declared (overlays.ROUND_TRIP_PATHS: names, role, input, output incl. TargetDevice
    such as amba_cv25 and TargetPlatform, VpcConfig, MaxRuntimeInSeconds; not
    MaxWaitTimeInSeconds, which AWS describes away, observed-aws). For other families every
    Create member Describe returns under the same name (basis assumption: the model does not
    promise it, but a Describe that drops or changes what Create kept misleads every client);
    ``ctx.expect['member']`` narrows the comparison to the paths under one top-level member."""
    if ctx.sent is None:
        raise Mismatch("round trip needs the Create request (ctx.sent)", basis="assumption")
    if not exchange.ok:
        raise Mismatch(f"Describe of the created resource failed: {exchange.describe()}")
    try:
        body = exchange.wire()
    except ValueError:
        raise Mismatch(f"body is not JSON: {exchange.raw_body[:200]!r}") from None
    member = ctx.expect.get("member")
    paths = [p for p in kept_paths(ctx.family(exchange.operation)) if member in (None, p[0])]
    diffs = []
    for path in paths:
        sent = lookup(ctx.sent, path)
        if sent is ABSENT:
            continue
        got = lookup(body, path)
        name = ".".join(path)
        diffs += [f"{name}: sent {sent!r:.120}, Describe omits it"] if got is ABSENT else differences(sent, got, name)
    if diffs:
        raise Mismatch("Describe does not return what Create sent:\n    " + "\n    ".join(diffs))
