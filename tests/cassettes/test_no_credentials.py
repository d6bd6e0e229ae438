"""Nothing credential-like is ever committed in cassettes/ (and the scanner catches it when it is)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"

#: Access key ids (long-term AKIA, temporary ASIA), signing and session headers, and strings
#: shaped like a secret access key: 40 characters of base64 with upper, lower case and digits.
PATTERNS = {
    "access key id": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "Authorization header": re.compile(r"authorization", re.I),
    "security token header": re.compile(r"x-amz-security-token", re.I),
    "signature": re.compile(r"AWS4-HMAC-SHA256|X-Amz-Signature|Credential=", re.I),
    "secret access key": re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])"
                                    r"(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
}
_BINARY = re.compile(r"!!binary \|\n((?:[ \t]+[A-Za-z0-9+/=]+\n)+)")


def findings(text: str) -> list[str]:
    """Every credential-like match, also inside YAML ``!!binary`` blocks (base64 would hide it)."""
    texts = [text]
    for block in _BINARY.findall(text):
        try:
            texts.append(base64.b64decode("".join(block.split())).decode("utf-8", "replace"))
        except ValueError:
            continue
    return [f"{label}: {m.group(0)[:60]!r}" for t in texts for label, rx in PATTERNS.items() for m in rx.finditer(t)]


def test_the_scanner_catches_each_kind():
    leaks = [
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1",
        "X-Amz-Security-Token: abc",
        "key: ASIAXYZXYZXYZXYZXYZ1",
        "secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "User-Agent:\n- !!binary |\n  " + base64.b64encode(b"Authorization: x").decode() + "\n",
    ]
    for leak in leaks:
        assert findings(leak), leak
    assert not findings("x-amzn-requestid: Za36k9lYZzXiryZhFBiVej7HCBx45bYhJT3UtSwdQNEaEraBd40I")


def test_cassettes_exist():
    assert list(CASSETTES.rglob("*.yaml")), "cassettes/ is empty: run `conformance record-fixtures`"


@pytest.mark.parametrize("path", sorted(p for p in CASSETTES.rglob("*") if p.is_file()),
                         ids=lambda p: p.relative_to(CASSETTES).as_posix())
def test_no_credential_like_content(path):
    found = findings(path.read_text(encoding="utf-8", errors="replace"))
    assert not found, f"{path.relative_to(CASSETTES)}: " + "; ".join(found[:5])
