"""The public strategy functions: lazy, cached per operation, printable as their call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ._shapes import builder_for

try:  # Hypothesis' own decorator: a LazyStrategy whose repr is the call that made it
    from hypothesis.strategies._internal.utils import defines_strategy as _defines
except ImportError:  # pragma: no cover - a Hypothesis without it: plain deferred

    def _defines(**_: Any):
        def wrap(fn):
            def call(*args, **kwargs):
                return st.deferred(lambda: fn(*args, **kwargs))

            call.__name__ = fn.__name__
            call.__doc__ = fn.__doc__
            return call

        return wrap


@dataclass(frozen=True)
class Violation:
    """The one constraint an invalid request breaks, and what a server should answer.

    ``path`` locates the value in the request (member names and list indexes; for
    ``missing_required`` and ``unknown_member`` the path of the member itself), ``kind``
    is one of missing_required, wrong_type, enum, min_length, max_length, pattern,
    min_value, max_value, list_size, unknown_member, or for an overlay clause the clause's
    kind (exactly-one-missing, ...). ``expected_codes`` are the error codes a server may
    answer (ValidationException; SerializationException too for a body of the wrong type,
    with an undeclared member, or with a number beyond its type's range). ``clause`` is the
    id of the clause broken (:func:`strategies.clauses`) when drawn for one."""

    path: tuple
    kind: str
    detail: str
    expected_status: int = 400
    expected_codes: tuple = ("ValidationException",)
    #: botocore's ParamValidator rejects it too (type, required, minimums, unknown
    #: members): send it with ``parameter_validation=False`` to reach the server.
    client_side: bool = False
    clause: str | None = None


def _key(overlays: Mapping[str, Any] | None) -> Any:
    if overlays is None:
        return None
    return tuple(sorted((k, v if isinstance(v, tuple) else (tuple(v) if isinstance(v, list) else v)) for k, v in overlays.items()))


_requests_cache: dict[tuple[Any, ...], st.SearchStrategy[dict]] = {}


def _request_strategy(operation_model: Any, overlays: Mapping[str, Any] | None) -> st.SearchStrategy[dict]:
    try:
        key = (operation_model, _key(overlays))
        hash(key)
    except TypeError:
        return builder_for(operation_model.service_model).request(operation_model, overlays)
    found = _requests_cache.get(key)
    if found is None:
        found = _requests_cache[key] = builder_for(operation_model.service_model).request(operation_model, overlays)
    return found


@_defines()
def requests(operation_model: Any, *, overlays: Mapping[str, Any] | None = None) -> st.SearchStrategy[dict]:
    """Request dicts for ``operation_model`` (a botocore ``OperationModel``) that botocore's
    ParamValidator and :func:`validate` accept, with realistic values where the model is
    loose (S3 URIs, role ARNs, VPC ids, JSON strings) and the cross-field rules of the
    overlays. ``overlays`` maps member paths of the input (``""``, ``"OutputConfig"``,
    ``"Tags[]"``) to rules that replace the built-in ones at that path.

    Optional members shrink towards absent, lists towards their minimum size, enums
    towards their first value, ExactlyOne groups towards their first member."""
    return _request_strategy(operation_model, overlays)


@_defines()
def invalid_requests(
    operation_model: Any,
    *,
    kinds: tuple[str, ...] | None = None,
    clause: Any = None,
    overlays: Mapping[str, Any] | None = None,
) -> st.SearchStrategy[tuple[dict, Violation]]:
    """``(request, violation)`` pairs: a valid request with exactly one constraint broken
    (:func:`validate` reports exactly that path and kind), ``kinds`` restricting which.

    ``clause`` (a :class:`strategies.Clause` or its id, e.g. ``"OutputConfig.TargetDevice:enum"``)
    draws requests that break exactly that clause and are otherwise valid, cross-field
    rules included: the clause's member and its parents are present even when optional
    (an ExactlyOne group on the way is narrowed to it, lists hold an entry); for a model
    clause :func:`validate` reports one problem, of that clause; for an overlay clause none,
    and that rule is the only one broken. Hypothesis chooses the rest of the request, the
    list element or map entry broken and the bad value (a near miss of the drawn value,
    shrinking towards one character too many or too few, the first enum-like miss, the
    bound plus or minus one). A clause that cannot be broken alone
    (:func:`strategies.clause_sendable`) raises :class:`strategies.ClauseError`.

    The label is computed from the drawn request, so it stays true while shrinking."""
    if clause is not None:
        from ._clauses import ClauseError
        from ._breaking import clause_strategy

        if kinds is not None:
            raise ClauseError("give kinds= or clause=, not both")
        return clause_strategy(operation_model, clause, overlays, _key(overlays))
    from ._invalid import invalid_strategy

    return invalid_strategy(operation_model, _request_strategy(operation_model, overlays), kinds)


__all__ = ["Violation", "invalid_requests", "requests"]
