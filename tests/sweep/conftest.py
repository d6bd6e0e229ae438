"""In-process wrappers around moto for the generic checks, on the Model family.

``Wrapper.answer`` injects exactly one defect into one operation's wire response (a
``before-parse`` handler registered first, as tests/checks does for compilation jobs);
``Wrapper.faithful_list`` makes ListModels answer as AWS documents (NameContains, the
creation-time window, SortBy x SortOrder, MaxResults with a NextToken), where moto ignores
them, so a check can be shown to pass where the backend is right.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from botocore.awsrequest import AWSResponse

from conformance import resources
from conformance.backends import BackendOptions, open_backend
from conformance.exchange import Caller
from conformance.session import SpecLedger
from conformance.sweep import sweep_family

_LIST_FILTERS = ("NextToken", "MaxResults", "NameContains", "SortBy", "SortOrder",
                 "CreationTimeAfter", "CreationTimeBefore")


class Wrapper:
    def __init__(self, ledger: SpecLedger) -> None:
        self.ledger = ledger
        self.events = ledger.caller.client.meta.events
        self.request: dict[str, Any] = {}
        self.events.register_first("provide-client-params.sagemaker", self._remember)

    def _remember(self, params: dict[str, Any], **_: Any) -> None:
        self.request = dict(params)

    def answer(self, operation: str, edit: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
        """``edit(request, response_dict)`` rewrites every response of ``operation``."""
        self.events.register_first(f"before-parse.sagemaker.{operation}",
                                   lambda response_dict, **_: edit(self.request, response_dict))

    def faithful_list(self) -> None:
        """ListModels as AWS documents it, computed from moto's unfiltered answer."""
        sent: dict[str, Any] = {}

        def strip(params: dict[str, Any], **_: Any) -> dict[str, Any]:
            sent.clear()
            sent.update(params)
            return {k: v for k, v in params.items() if k not in _LIST_FILTERS}

        def page(request: dict[str, Any], response: dict[str, Any]) -> None:
            body = json.loads(response["body"] or b"{}")
            items = body.get("Models", [])
            if "NameContains" in sent:
                items = [m for m in items if sent["NameContains"] in m["ModelName"]]
            if "CreationTimeAfter" in sent:
                items = [m for m in items if m["CreationTime"] > sent["CreationTimeAfter"]]
            if "CreationTimeBefore" in sent:
                items = [m for m in items if m["CreationTime"] < sent["CreationTimeBefore"]]
            key = "ModelName" if sent.get("SortBy") == "Name" else "CreationTime"
            items = sorted(items, key=lambda m: m[key], reverse=sent.get("SortOrder", "Descending") == "Descending")
            start = int(sent.get("NextToken") or 0)
            size = sent.get("MaxResults", 100)
            body = {"Models": items[start:start + size]}
            if start + size < len(items):
                body["NextToken"] = str(start + size)
            response["body"] = json.dumps(body).encode()

        self.events.register_first("provide-client-params.sagemaker.ListModels", strip)
        self.answer("ListModels", page)

    def fail(self, operation: str, status: int, code: str, message: str = "injected",
             when: Callable[[dict[str, Any]], bool] = lambda params: True) -> None:
        """Answer ``operation`` with an error instead of moto when ``when(params)``: a
        ``before-send`` handler, so botocore sees the status as it would from the wire."""

        def send(request: Any, **_: Any) -> Any:
            target = request.headers.get("X-Amz-Target", b"")
            target = target.decode() if isinstance(target, bytes) else str(target)
            if not target.endswith(f".{operation}"):
                return None
            params = json.loads(request.body or b"{}")
            if not when(params):
                return None
            body = json.dumps({"__type": code, "message": message}).encode()
            headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-errortype": code,
                       "x-amzn-requestid": "injected"}
            return AWSResponse(request.url, status, headers, _Raw(body))

        self.events.register_first("before-send.sagemaker", send)

    def refuse_duplicates(self) -> None:
        """CreateModel of an existing name is answered 400 ValidationException, as AWS does."""
        seen: set[str] = set()

        def existing(params: dict[str, Any]) -> bool:
            if params.get("ModelName") in seen:
                return True
            seen.add(params.get("ModelName"))
            return False

        self.fail("CreateModel", 400, "ValidationException", "Cannot create already existing model", existing)


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any):
        yield self.data


def body(change: Callable[[Any], Any]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def edit(_request: dict[str, Any], response: dict[str, Any]) -> None:
        if response["status_code"] == 200:
            response["body"] = json.dumps(change(json.loads(response["body"] or b"{}"))).encode()

    return edit


@pytest.fixture
def ledger():
    with open_backend(BackendOptions(kind="moto")) as backend:
        ledger = SpecLedger(Caller(backend.client(), keep_history=False), "cf-test")
        yield ledger
        assert ledger.cleanup() == []


@pytest.fixture
def moto(ledger):
    return Wrapper(ledger)


@pytest.fixture
def sweep(ledger):
    """``sweep(*checks, family="Model", clauses=None)`` -> {result id: result} of that family's sweep."""

    def run(*checks: str, family: str = "Model", clauses: Any = None) -> dict[str, dict[str, Any]]:
        done = sweep_family(ledger, resources.spec(family), {}, checks, clauses)
        run.status = done.status
        return {r["id"]: r for r in done.results}

    return run
