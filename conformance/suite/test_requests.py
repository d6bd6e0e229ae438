"""Model-valid requests of every operation, judged by every exchange check that applies."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from conformance import checks
from conformance.model import OPERATIONS
from conformance.scenarios import valid_exchange

#: Checks judged on model-valid requests, per operation. The wire checks (response-shape,
#: undeclared-members, no-null-members, no-server-error, error-contract, content-type) are not
#: here: they judge every exchange of the run, clause by clause (conformance/checks/clauses.py),
#: and these requests are among them. ``accepted`` is not judged on Stop: stopping a job that
#: already ended is refused by design.
CHECKS = ("accepted", "roundtrip", "timestamps-ordered")
CASES = [
    pytest.param(op, check, id=f"{op}-{check}")
    for op in OPERATIONS
    for check in CHECKS
    if not (check == "accepted" and op == "StopCompilationJob")
    and not (check in ("roundtrip", "timestamps-ordered") and op != "DescribeCompilationJob")
]


@pytest.mark.conformance(case="generated")
@pytest.mark.parametrize("operation,check", CASES)
def test_valid_request(conformance_session, operation, check):
    judge = checks.get(check)
    applied: list[str] = []
    seen: list[str] = []

    @given(data=st.data())
    def run(data):
        exchange, ctx = valid_exchange(conformance_session, operation, data)
        seen.append(exchange.describe())
        if judge(exchange, ctx):
            applied.append(exchange.describe())

    run()
    if not applied:
        pytest.skip(f"{check} never applied to {operation}: every exchange was {sorted(set(seen))}")
