"""Whole-model sweeps: every operation of SageMaker (json), S3 (rest-xml) and DynamoDB
(json) draws valid requests that botocore's ParamValidator and ours accept, and invalid
requests whose label is exactly what our validator reports (and botocore's, where it
checks that kind). No health-check failure is tolerated."""

from __future__ import annotations

import functools

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import Phase, given, settings

import strategies



@functools.cache
def service(name: str):
    return botocore.session.get_session().get_service_model(name)

SERVICES = ("sagemaker", "s3", "dynamodb")
VALID_EXAMPLES = 50
INVALID_EXAMPLES = 20

SWEEP = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    print_blob=True,
)


def _cases(with_input_only: bool = False) -> list:
    out = []
    for name in SERVICES:
        model = service(name)
        for op in model.operation_names:
            if with_input_only and model.operation_model(op).input_shape is None:
                continue
            out.append(pytest.param(name, op, id=f"{name}:{op}"))
    return out


def _botocore_errors(request, shape) -> str:
    report = ParamValidator().validate(request, shape)
    return report.generate_report() if report.has_errors() else ""


@pytest.mark.sweep
@pytest.mark.parametrize(("service_name", "operation"), _cases())
def test_valid_requests_pass_both_validators(service_name: str, operation: str) -> None:
    op = service(service_name).operation_model(operation)
    shape = op.input_shape

    @settings(SWEEP, max_examples=VALID_EXAMPLES)
    @given(strategies.requests(op))
    def check(request: dict) -> None:
        if shape is None:
            assert request == {}
            return
        assert _botocore_errors(request, shape) == ""
        assert strategies.validate(request, shape) == []

    check()


@pytest.mark.sweep
@pytest.mark.parametrize(("service_name", "operation"), _cases(with_input_only=True))
def test_invalid_requests_break_exactly_the_labelled_constraint(service_name: str, operation: str) -> None:
    op = service(service_name).operation_model(operation)
    shape = op.input_shape

    @settings(SWEEP, max_examples=INVALID_EXAMPLES)
    @given(strategies.invalid_requests(op))
    def check(pair) -> None:
        request, violation = pair
        problems = strategies.validate(request, shape)
        assert [(p.path, p.kind) for p in problems] == [(violation.path, violation.kind)]
        if violation.client_side:
            assert _botocore_errors(request, shape) != "", violation

    check()
