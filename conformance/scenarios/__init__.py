"""Scenarios: how to reach the exchange a check judges.

A check judges one exchange (a request and its wire response) with a context; a scenario is
what comes before: it draws or builds the requests, sends the setup calls a check needs (a job
to describe, resources to list, a resource to delete first) through the run's session, and
hands the exchange under test and its context to the check. Scenarios know backends only
through the session (prefix, bookkeeping, waiting, cleanup), which sends and never judges.

* :mod:`.compilation_job`: the deepest family, compilation jobs (the founding example, a
  model-valid exchange of each operation, per-value Creates, setup jobs), for ``conformance run``.
* :mod:`.generic`: the scenarios every resource family of :mod:`conformance.resources` shares
  (first Create, round trip, listings, filters, duplicate, missing, invalid, gone), for
  ``conformance sweep``.
"""

from __future__ import annotations

from .compilation_job import (
    FOUNDING_CREATE,
    create_requests,
    enum_values,
    judge_setup,
    missing_name_exchange,
    setup_job,
    valid_exchange,
    value_create,
)
from .generic import CHECKS, FamilyRun, Sweeper, simplest

__all__ = [
    "CHECKS", "FOUNDING_CREATE", "FamilyRun", "Sweeper", "create_requests", "enum_values",
    "judge_setup", "missing_name_exchange", "setup_job", "simplest", "valid_exchange", "value_create",
]
