"""Matching: every AWS JSON call is ``POST /`` on one host, so a recorded request is found by
``X-Amz-Target`` plus its canonical JSON body (parsed, keys sorted, volatile values replaced by
numbered placeholders through declared :class:`Transformer` s). Scheme, host and port never take
part: cassettes recorded against moto's server on a random loopback port replay against the real
endpoint URL."""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
from typing import Any


@dataclasses.dataclass(frozen=True)
class Transformer:
    """A declared rule that replaces volatile values with numbered placeholders ``<name:n>``.

    ``claims(value, shape)`` says whether a leaf value is this transformer's; ``part`` (a regex)
    replaces only the matching part of a string. Equal values get the same number, so relations
    (two equal timestamps, the same generated name twice) survive normalisation. Lower
    ``priority`` runs first; a leaf claimed once is not offered to the next transformer.
    """

    name: str
    priority: int
    shape_type: str | None = None
    part: str | None = None
    #: a trait of the member's shape (``idempotencyToken``) that makes its value volatile
    trait: str | None = None

    def apply(self, value: Any, shape: Any, numbers: dict[Any, int]) -> tuple[bool, Any]:
        if self.trait is not None:
            if not (getattr(shape, "metadata", None) or {}).get(self.trait):
                return False, value
            return True, self._placeholder(value, numbers)
        if self.shape_type is not None:
            if shape is None or getattr(shape, "type_name", None) != self.shape_type:
                return False, value
            return True, self._placeholder(value, numbers)
        if self.part is not None and isinstance(value, str):
            pattern = re.compile(self.part)
            if not pattern.search(value):
                return False, value
            return True, pattern.sub(lambda m: self._placeholder(m.group(0), numbers), value)
        return False, value

    def _placeholder(self, value: Any, numbers: dict[Any, int]) -> str:
        key = json.dumps(value, sort_keys=True, default=str)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
        return f"<{self.name}:{numbers[key]}>"


#: Client-side volatile values: timestamps a scenario may compute from the clock (time windows),
#: idempotency tokens botocore fills with a fresh uuid4 when a request has none (ClientToken of
#: CreateModelPackage, ClientRequestToken of CreatePipeline), and the run prefix of generated
#: names (stable ``cf-rec`` for this backend, but a worker or an older recording must not make a
#: request unmatchable).
TRANSFORMERS: tuple[Transformer, ...] = tuple(sorted((
    Transformer("idempotency-token", priority=5, trait="idempotencyToken"),
    Transformer("timestamp", priority=10, shape_type="timestamp"),
    Transformer("run-prefix", priority=20, part=r"\bcf-rec(?:w\d+)?(?=-|$)"),
), key=lambda t: t.priority))


def canonical_body(target: str | None, body: bytes | str | None,
                   transformers: tuple[Transformer, ...] = TRANSFORMERS) -> str:
    """The JSON body as a canonical string: parsed, keys sorted, volatile values normalised.

    ``target`` (``SageMaker.CreateCompilationJob``) selects the input shape the timestamp
    transformer walks. A body that is not JSON is compared as it is.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return ""
    if transformers is TRANSFORMERS:
        return _canonical_default(target, body)
    return _canonical(target, body, transformers)


@functools.lru_cache(maxsize=4096)
def _canonical_default(target: str | None, body: str) -> str:
    """vcrpy evaluates every matcher of every recorded interaction for each request sent: a
    replay canonicalises the same few hundred bodies over and over (measured: 58 of 84 s of a
    sweep family's replay), so the default transformers' answers are kept."""
    return _canonical(target, body, TRANSFORMERS)


def _canonical(target: str | None, body: str, transformers: tuple[Transformer, ...]) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    shape = _input_shape(target)
    transformers = tuple(sorted(transformers, key=lambda t: t.priority))  # lower runs first
    numbers: dict[str, dict[Any, int]] = {t.name: {} for t in transformers}
    normalised = _walk(copy.deepcopy(data), shape, transformers, numbers)
    return json.dumps(normalised, sort_keys=True, separators=(",", ":"))


def _input_shape(target: str | None) -> Any:
    if not target or "." not in target:
        return None
    from ..model import service_model

    try:
        return service_model().operation_model(target.rsplit(".", 1)[1]).input_shape
    except Exception:  # noqa: BLE001 - an unknown operation is matched without a shape
        return None


def _walk(value: Any, shape: Any, transformers: tuple[Transformer, ...],
          numbers: dict[str, dict[Any, int]]) -> Any:
    type_name = getattr(shape, "type_name", None)
    if isinstance(value, dict):
        members = getattr(shape, "members", {}) if type_name == "structure" else {}
        inner = getattr(shape, "value", None) if type_name == "map" else None
        return {k: _walk(value[k], members.get(k, inner), transformers, numbers) for k in sorted(value)}
    if isinstance(value, list):
        inner = getattr(shape, "member", None) if type_name == "list" else None
        return [_walk(v, inner, transformers, numbers) for v in value]
    for transformer in transformers:
        claimed, new = transformer.apply(value, shape, numbers[transformer.name])
        if claimed:
            return new
    return value


def _header(request: Any, name: str) -> str | None:
    value = request.headers.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value


def match_amz_target(r1: Any, r2: Any) -> None:
    """vcrpy matcher: the operation (``X-Amz-Target``)."""
    t1, t2 = _header(r1, "X-Amz-Target"), _header(r2, "X-Amz-Target")
    if t1 != t2:
        raise AssertionError(f"X-Amz-Target {t1!r} != {t2!r}")


def match_aws_json_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: the canonical JSON body (see :func:`canonical_body`)."""
    target = _header(r1, "X-Amz-Target")
    b1, b2 = canonical_body(target, r1.body), canonical_body(target, r2.body)
    if b1 != b2:
        raise AssertionError(f"body {b1[:300]} != {b2[:300]}")


MATCH_ON = ("method", "path", "query", "amz_target", "aws_json_body")
