"""The founding example: the 2021-06-28 API update (amba_cv25, VpcConfig, InferenceImage)."""

from __future__ import annotations

import pytest

from conformance import checks
from conformance.checks import CheckContext
from conformance.scenarios import FOUNDING_CREATE, setup_job


@pytest.mark.conformance(operation="CreateCompilationJob", check="accepted",
                         case="2021-06-28-amba_cv25-vpc")
def test_founding_create_accepted(conformance_session):
    _, exchange = setup_job(conformance_session, FOUNDING_CREATE, hint="founding")
    checks.get("accepted")(exchange)


@pytest.mark.conformance(case="2021-06-28-amba_cv25-vpc", operation="DescribeCompilationJob")
@pytest.mark.parametrize("check", ["roundtrip", "response-shape"])
def test_founding_describe(conformance_session, check):
    sent, _ = setup_job(conformance_session, FOUNDING_CREATE, hint="founding")
    exchange = conformance_session.call(
        "DescribeCompilationJob", {"CompilationJobName": sent["CompilationJobName"]}
    )
    checks.get("accepted")(exchange)
    checks.get(check)(exchange, CheckContext(sent=sent))
