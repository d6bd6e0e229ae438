"""The bridged checks against the project's FaultProxy: the faithful proxy (AWS as far as the
suite knows it: Stop implemented, List fixed) passes every check on every operation, and
catalogue defects at the wire are caught by the check that owns them."""

from __future__ import annotations

from typing import Iterator

import pytest
from hypothesis import settings

from conformance import schemathesis_bridge as bridge
from conformance.backends import BackendOptions, open_backend
from conformance.errors import CheckFailure
from conformance.model import OPERATIONS
from conformance.session import RunSession

faults = pytest.importorskip("conformance.faults.proxy")

FEW = settings(max_examples=3, derandomize=True, database=None, deadline=None)


@pytest.fixture
def session_behind(moto_url) -> Iterator:
    opened = []

    def make(defects=()) -> RunSession:
        proxy = faults.FaultProxy(moto_url, defects=list(defects))
        proxy.__enter__()
        cm = open_backend(BackendOptions(kind="server", endpoint=proxy.url))
        session = RunSession(cm.__enter__())
        opened.append((proxy, cm, session))
        return session

    yield make
    for proxy, cm, session in reversed(opened):
        session.cleanup()
        cm.__exit__(None, None, None)
        proxy.__exit__(None, None, None)


def test_faithful_proxy_passes_every_check(session_behind):
    explorer = bridge.RunExplorer(session_behind(), hypothesis_settings=FEW)
    for operation in OPERATIONS:
        sent = explorer.sent(operation)
        for check in bridge.CHECKS:
            assert bridge.judge_all(sent, check) == len(sent), (operation, check)


@pytest.mark.parametrize("defect,check", [
    ("non_json_body", "content_type_conformance"),
    ("enum_misspelled", "response_schema_conformance"),
    ("timestamp_as_string", "response_schema_conformance"),
    ("missing_required_member", "response_schema_conformance"),
    ("wrong_type_member", "response_schema_conformance"),
    ("null_member", "response_schema_conformance"),
])
def test_catalogue_defect_is_caught(session_behind, defect, check):
    explorer = bridge.RunExplorer(session_behind([defect]), hypothesis_settings=FEW)
    with pytest.raises(CheckFailure, match=check):
        bridge.judge_all(explorer.sent("DescribeCompilationJob"), check)
