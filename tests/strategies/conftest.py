"""Fixtures and markers for the tests of strategies/."""

from __future__ import annotations

import botocore.session
import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sweep: whole-model sweeps of strategies/ (every operation of sagemaker, s3, dynamodb); "
        "bounded examples, derandomized, about a minute on 2 cores. Deselect with -m 'not sweep'.",
    )


@pytest.fixture(scope="session")
def sagemaker():
    return botocore.session.get_session().get_service_model("sagemaker")
