"""Scrubbing before anything is written: credentials and signing headers are dropped from every
request (``before_record_request``, which vcrpy also applies to requests it matches, and again in
``before_save_interaction``, since ``drop_unused_requests`` writes requests that never went
through ``filter_headers``); ``--mask-account`` replaces account ids in ARNs."""

from __future__ import annotations

import copy
import re
from typing import Any

MASKED_ACCOUNT = "123456789012"

#: Request headers that are credentials, signatures or per-call noise: never written.
DROP_REQUEST_HEADERS = frozenset({
    "authorization", "x-amz-security-token", "x-amz-date", "user-agent", "x-amz-content-sha256",
    "x-amz-user-agent", "cookie", "proxy-authorization",
})
DROP_REQUEST_HEADER_PREFIXES = ("amz-sdk-",)
#: Response headers that could carry a credential or a session: never written.
DROP_RESPONSE_HEADERS = frozenset({"set-cookie", "authorization", "x-amz-security-token"})
_CREDENTIAL_HEADER = re.compile(r"(credential|secret|token|password|session)", re.I)

_ARN_ACCOUNT = re.compile(r"^arn:aws[a-zA-Z-]*:[a-zA-Z0-9-]*:[a-z0-9-]*:(\d{12}):")


def mask_accounts(text: str, accounts: tuple[str, ...]) -> str:
    """Replace the recording account's id with :data:`MASKED_ACCOUNT` wherever it stands (ARNs,
    default bucket names such as ``sagemaker-us-east-1-<account>``).

    Only the account's own id: account ids the suite generated into requests (a KMS key ARN of
    some account) stay as they are, so a replay sends the same requests it recorded and a round
    trip compares like with like."""
    for account in accounts:
        text = re.sub(rf"(?<!\d){account}(?!\d)", MASKED_ACCOUNT, text)
    return text


def account_of(arn: str | None) -> str | None:
    found = _ARN_ACCOUNT.match(arn or "")
    return found.group(1) if found else None


def _text(value: Any) -> Any:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def scrub_request(request: Any, *, accounts: tuple[str, ...] = ()) -> Any:
    """Drop credential and signing headers; header values become text (no ``!!binary`` blobs
    that hide what a cassette holds). vcrpy hands a copy."""
    for name in list(request.headers):
        lowered = name.lower()
        if lowered in DROP_REQUEST_HEADERS or lowered.startswith(DROP_REQUEST_HEADER_PREFIXES):
            del request.headers[name]
        else:
            request.headers[name] = _text(request.headers[name])
    if accounts and request.body:
        request.body = mask_accounts(_text(request.body), accounts).encode("utf-8")
    if accounts:
        request.uri = mask_accounts(request.uri, accounts)
    return request


def scrub_response(response: dict[str, Any], *, accounts: tuple[str, ...] = ()) -> dict[str, Any]:
    """Drop credential-looking headers; mask account ids in the body when asked. A copy."""
    response = copy.deepcopy(response)
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in DROP_RESPONSE_HEADERS or _CREDENTIAL_HEADER.search(name):
            del headers[name]
    body = response.get("body") or {}
    if accounts and body.get("string"):
        raw = body["string"]
        masked = mask_accounts(_text(raw), accounts)
        body["string"] = masked.encode("utf-8") if isinstance(raw, bytes) else masked
        for name in list(headers):
            if name.lower() == "content-length":
                headers[name] = [str(len(masked.encode("utf-8")))]
    return response
