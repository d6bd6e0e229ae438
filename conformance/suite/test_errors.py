"""Error contracts: operations on a job that does not exist."""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.scenarios import missing_name_exchange

OPERATIONS = ("DescribeCompilationJob", "StopCompilationJob", "DeleteCompilationJob")


@pytest.mark.conformance(case="unknown-name")
@pytest.mark.parametrize("check", ["missing-resource", "error-contract"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_missing_job(conformance_session, operation, check):
    exchange = missing_name_exchange(conformance_session, operation)
    if not checks.get(check)(exchange):
        pytest.skip(f"{check} does not apply: {exchange.describe()}")
