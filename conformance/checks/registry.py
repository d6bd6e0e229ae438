"""The check registry: named functions with one job each.

A check receives one :class:`~conformance.exchange.Exchange` and a :class:`CheckContext`,
returns on pass and raises :class:`Mismatch` when the backend broke the contract. The
registry turns a Mismatch into a :class:`~conformance.errors.CheckFailure` carrying the
check's name, its ``basis`` and a reproducible example, so check bodies stay short.
A guard (``applies``) says on which exchanges a check has something to say.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import resources
from ..errors import CheckFailure, ConformanceError
from ..exchange import Exchange
from ..resources import ResourceSpec

BASES = ("model", "aws-docs", "observed-aws", "assumption")


class Mismatch(Exception):
    """Raised inside a check body; the registry adds the check's identity."""

    def __init__(self, message: str, *, basis: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.basis = basis


@dataclass(frozen=True)
class CheckContext:
    """What a check may know beyond the exchange itself.

    ``sent`` is the Create request a resource was made with (for round trips);
    ``expect`` carries scenario expectations such as an error the request must cause;
    ``spec`` the resource family judged, where the operation alone does not say it (a List
    two families share); by default the family the operation belongs to.
    """

    sent: dict[str, Any] | None = None
    expect: dict[str, Any] = field(default_factory=dict)
    spec: ResourceSpec | None = None

    def family(self, operation: str) -> ResourceSpec:
        """What a check reads the members it compares from (page, summary name, token, ...)."""
        return self.spec or spec_of(operation)


_VERBS = ("Create", "Describe", "Delete", "Stop", "Start", "Update")


@functools.cache
def spec_of(operation: str) -> ResourceSpec:
    """The resource family ``operation`` belongs to (``ListModels`` -> Model): by its name,
    else the first family (sorted) whose operations hold it."""
    names = resources.families()
    verb = next((v for v in _VERBS if operation.startswith(v)), None)
    if verb and operation[len(verb):] in names:
        return resources.spec(operation[len(verb):])
    if operation.startswith("List"):
        plural = operation[4:]
        for stem in (plural[:-3] + "y", plural[:-2], plural[:-1]):
            if stem in names and operation in resources.spec(stem).operations:
                return resources.spec(stem)
    for spec in resources.specs():
        if operation in spec.operations:
            return spec
    raise RegistryError(f"no resource family has the operation {operation!r}")


def always(_: Exchange) -> bool:
    return True


def on_success(exchange: Exchange) -> bool:
    return exchange.ok


def on_client_error(exchange: Exchange) -> bool:
    """4xx only: a 5xx is judged by ``no-server-error`` alone, one finding per defect."""
    return exchange.is_client_error


@dataclass(frozen=True)
class Check:
    name: str
    func: Callable[[Exchange, CheckContext], None]
    basis: str
    applies: Callable[[Exchange], bool]
    operations: tuple[str, ...] | None
    doc: str
    #: The basis of a verdict on ``(operation, ctx)`` where it depends on the family (an error
    #: the model declares for one family is an assumption for another); default ``basis``.
    basis_of: Callable[[str, CheckContext], str] | None = None

    def basis_for(self, operation: str, ctx: CheckContext | None = None) -> str:
        return self.basis_of(operation, ctx or CheckContext()) if self.basis_of else self.basis

    def applies_to(self, exchange: Exchange) -> bool:
        if self.operations is not None and exchange.operation not in self.operations:
            return False
        return self.applies(exchange)

    def __call__(self, exchange: Exchange, ctx: CheckContext | None = None) -> bool:
        """Run the check. Returns False when it did not apply, True when it passed."""
        if not self.applies_to(exchange):
            return False
        try:
            self.func(exchange, ctx or CheckContext())
        except Mismatch as exc:
            raise CheckFailure(
                self.name,
                f"{exc.message}\n  exchange: {exchange.describe()}",
                operation=exchange.operation,
                basis=exc.basis or self.basis_for(exchange.operation, ctx),
                example=exchange.example(),
            ) from None
        return True

    def passes(self, exchange: Exchange, ctx: CheckContext | None = None) -> bool:
        """True unless the check applies and fails (for the run's own decisions, e.g. isolation)."""
        try:
            self(exchange, ctx)
        except CheckFailure:
            return False
        return True


REGISTRY: dict[str, Check] = {}


class RegistryError(ConformanceError):
    pass


def register(
    name: str,
    *,
    basis: str,
    applies: Callable[[Exchange], bool] = always,
    operations: tuple[str, ...] | None = None,
    basis_of: Callable[[str, CheckContext], str] | None = None,
) -> Callable[[Callable[[Exchange, CheckContext], None]], Check]:
    """Register a check under ``name``; duplicates and unknown bases are refused."""
    if basis not in BASES:
        raise RegistryError(f"check {name!r}: basis {basis!r} is not one of {BASES}")

    def decorate(func: Callable[[Exchange, CheckContext], None]) -> Check:
        if name in REGISTRY:
            raise RegistryError(f"check {name!r} is registered twice")
        check = Check(name, func, basis, applies, operations, (func.__doc__ or "").strip(), basis_of)
        REGISTRY[name] = check
        return check

    return decorate


def get(name: str) -> Check:
    try:
        return REGISTRY[name]
    except KeyError:
        raise RegistryError(
            f"no check named {name!r}; registered: {', '.join(sorted(REGISTRY))}"
        ) from None
