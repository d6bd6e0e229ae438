"""Hypothesis strategies of AWS requests, from botocore's service models.

``requests(operation_model)`` draws request dicts (the kwargs of a boto3 call) that satisfy
every constraint the model states, plus the realistic overlays and cross-field rules a
real server applies; ``invalid_requests(operation_model)`` draws ``(request, Violation)``
pairs that break exactly one constraint; ``validate(value, shape)`` checks a value (or a
raw JSON body, ``wire=True``) against a shape and lists every :class:`Problem`.

``clauses(operation_model)`` lists every input constraint as a :class:`Clause` with a
stable id (``OutputConfig.TargetDevice:enum``); ``invalid_requests(op, clause=...)`` draws
requests that break exactly that one; ``output_clauses`` and ``clause_of`` do the same for
responses (which clause a :class:`Problem` of a response body breaks).
"""

from ._api import Violation, invalid_requests, requests
from ._clauses import Clause, ClauseError, clause_of, clause_sendable, clauses, output_clauses, type_text
from ._overlays import OverlayError
from ._validate import Problem, validate

__all__ = [
    "Clause",
    "ClauseError",
    "OverlayError",
    "Problem",
    "Violation",
    "clause_of",
    "clause_sendable",
    "clauses",
    "invalid_requests",
    "output_clauses",
    "requests",
    "type_text",
    "validate",
]
