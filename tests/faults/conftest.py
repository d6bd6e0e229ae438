"""One moto server per test module; proxies and clients are cheap and made per test."""

from __future__ import annotations

import boto3
import pytest

from conformance.faults import FaultProxy, moto_server

from conformance.faults.validation import validate_input

from .helpers import Api, create_request


@pytest.fixture(scope="module")
def upstream(session):
    with moto_server() as url:
        # warm up: moto loads its SageMaker backend on the first call, the validator compiles
        # the model's Unicode tag patterns on first use (together about a second)
        Api.connect(session, url, read_timeout=30).list()
        validate_input("CreateCompilationJob", create_request("warm-up"))
        yield url


@pytest.fixture(scope="module")
def session():
    return boto3.session.Session()


@pytest.fixture
def open_proxy(upstream, session):
    """``api, proxy = open_proxy(defects=[...], lifecycle=...)``; closed after the test."""
    opened: list[FaultProxy] = []

    def make(read_timeout: float = 5.0, **kwargs):
        proxy = FaultProxy(upstream, **kwargs).start()
        opened.append(proxy)
        return Api.connect(session, proxy.url, read_timeout=read_timeout), proxy

    yield make
    for proxy in opened:
        proxy.close()
    for proxy in opened:
        assert not proxy.errors, proxy.errors
