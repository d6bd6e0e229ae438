"""One moto server per test module; proxies and clients are cheap and made per test."""

from __future__ import annotations

import boto3
import pytest

from conformance.faults import FaultProxy, moto_server

from .helpers import Api


@pytest.fixture(scope="module")
def upstream():
    with moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def session():
    return boto3.session.Session()


@pytest.fixture
def open_proxy(upstream, session):
    """``api, proxy = open_proxy(defects=[...], lifecycle=...)``; closed after the test."""
    opened: list[FaultProxy] = []

    def make(read_timeout: float = 1.5, **kwargs):
        proxy = FaultProxy(upstream, **kwargs).start()
        opened.append(proxy)
        return Api.connect(session, proxy.url, read_timeout=read_timeout), proxy

    yield make
    for proxy in opened:
        proxy.close()
    for proxy in opened:
        assert not proxy.errors, proxy.errors
