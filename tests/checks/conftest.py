"""An in-process fault wrapper around moto: rewrites one operation's wire response.

botocore emits ``before-parse`` with the raw response dict; a handler registered *first*
rewrites it before the suite's Exchange capture (registered later) sees it, so a check is
judged on exactly the defective bytes a broken emulator would send.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from conformance.session import RunSession

Mutator = Callable[[dict[str, Any], dict[str, Any]], None]


class FaultyMoto:
    def __init__(self, session: RunSession) -> None:
        self.session = session
        self._request: dict[str, Any] = {}
        events = session.caller.client.meta.events
        events.register_first("provide-client-params.sagemaker", self._remember)

    def _remember(self, params: dict[str, Any], **_: Any) -> None:
        self._request = dict(params)

    def break_(self, operation: str, mutate: Mutator) -> None:
        """Apply ``mutate(request, response_dict)`` to every response of ``operation``."""

        def handler(response_dict: dict[str, Any], **_: Any) -> None:
            mutate(self._request, response_dict)

        self.session.caller.client.meta.events.register_first(
            f"before-parse.sagemaker.{operation}", handler
        )


def edit_body(edit: Callable[[Any], Any]) -> Mutator:
    """A mutator that rewrites the JSON body with ``edit(body) -> body``."""

    def mutate(_request: dict[str, Any], response: dict[str, Any]) -> None:
        body = json.loads(response["body"] or b"{}")
        response["body"] = json.dumps(edit(body)).encode()

    return mutate


def answer(status: int, body: Any, when: Callable[[dict[str, Any]], bool] = lambda r: True) -> Mutator:
    """A mutator that replaces the whole response (status and body) when ``when(request)``."""

    def mutate(request: dict[str, Any], response: dict[str, Any]) -> None:
        if when(request):
            response["status_code"] = status
            response["body"] = body if isinstance(body, bytes) else json.dumps(body).encode()
            response["headers"] = {**response.get("headers", {}), "Content-Type": "application/x-amz-json-1.1"}

    return mutate


@pytest.fixture
def faulty(moto_session):
    return FaultyMoto(moto_session)
