"""Registered checks. Importing this package registers every check module."""

from . import behaviour, errors, lifecycle, roundtrip, wire  # noqa: F401  (registration side effect)
from . import delta, protocol  # noqa: F401  (registration side effect)
from .registry import REGISTRY, Check, CheckContext, Mismatch, get, register

__all__ = ["REGISTRY", "Check", "CheckContext", "Mismatch", "get", "register"]
