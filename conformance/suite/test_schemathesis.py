"""schemathesis' HTTP-level checks against an emulator over HTTP (``--backend server`` only).

Ids ``Operation/schemathesis/<check>``. schemathesis draws positive requests from the OpenAPI
document of the botocore model (:mod:`conformance.openapi`); the bridge sends them as AWS JSON
calls and judges each answer with the checks that are honest for the protocol
(:data:`conformance.schemathesis_bridge.CHECKS`; what is left out and why:
``EXCLUDED``). On the in-process and cassette backends there is no HTTP endpoint to call, so
these tests are deselected there (pytest counts them as deselected).

Safety: every name a request carries is the run's own (see ``RunExplorer``).
"""

from __future__ import annotations

import pytest

from conformance import schemathesis_bridge as bridge
from conformance.model import OPERATIONS

CASES = [
    pytest.param(
        op, check,
        marks=pytest.mark.conformance(operation=op, check="schemathesis", case=check,
                                      basis=spec.basis, backends=("server",)),
        id=f"{op}-{check}",
    )
    for op in OPERATIONS
    for check, spec in bridge.CHECKS.items()
]


@pytest.fixture(scope="module")
def schemathesis_explorer(conformance_session) -> bridge.RunExplorer:
    return bridge.RunExplorer(conformance_session)


@pytest.mark.parametrize("operation,check", CASES)
def test_schemathesis(schemathesis_explorer, operation, check):
    judged = bridge.judge_all(schemathesis_explorer.sent(operation), check)
    if not judged:
        pytest.skip(f"{check} judged nothing: every {operation} exchange was a 5xx or had no response")
