"""Hypothesis strategies of AWS requests, from botocore's service models.

``requests(operation_model)`` draws request dicts (the kwargs of a boto3 call) that satisfy
every constraint the model states, plus the realistic overlays and cross-field rules a
real server applies; ``invalid_requests(operation_model)`` draws ``(request, Violation)``
pairs that break exactly one constraint; ``validate(value, shape)`` checks a value (or a
raw JSON body, ``wire=True``) against a shape and lists every :class:`Problem`.
"""

from ._api import Violation, invalid_requests, requests
from ._overlays import OverlayError
from ._validate import Problem, validate

__all__ = ["OverlayError", "Problem", "Violation", "invalid_requests", "requests", "validate"]
