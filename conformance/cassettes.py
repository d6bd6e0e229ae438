"""Cassettes for ``--backend aws``: the real API recorded once, replayed offline with the same verdicts.

vcrpy is the engine (record modes, persistence, patching of botocore's urllib3); this module adds
what vcrpy does not know about AWS:

- Matching. Every AWS JSON call is ``POST /`` on one host, so requests match on ``X-Amz-Target``
  plus the canonical JSON body (parsed, keys sorted, volatile values replaced by numbered
  placeholders through declared :class:`Transformer` s). Scheme, host and port never take part:
  cassettes recorded against moto's server on a random loopback port replay against the real
  endpoint URL.
- Scrubbing before anything is written: credentials and signing headers are dropped from every
  request (``before_record_request``, which vcrpy also applies to requests it matches, and again
  in ``before_save_interaction``, since ``drop_unused_requests`` writes requests that never went
  through ``filter_headers``); ``--mask-account`` replaces account ids in ARNs.
- Determinism: one cassette per test, names scoped per test (see
  :meth:`conformance.session.RunSession.name_scope`), the ``ci`` Hypothesis profile forced.
- Provenance: each cassette carries, in vcrpy's cassette ``metadata``, what it was recorded
  against (``aws``, ``moto-server`` or ``emulator``), when, and with which botocore and suite.
- Failure modes: no cassette, or a request the cassette does not hold, is a skip naming the
  operation and the record command; a corrupt cassette file is a one-line usage error.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import re
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from .errors import NothingToJudge, UsageError

#: The command that (re)records the shipped cassettes, and the one that records on a real account.
RECORD_FIXTURES_COMMAND = "conformance record-fixtures"
RECORD_AWS_COMMAND = "conformance run --backend aws --record-mode once"

MASKED_ACCOUNT = "123456789012"
METADATA_KEY = "conformance"
#: Where the report and the coverage test find a cassette's provenance; also vcrpy's file suffix.
SUFFIX = ".yaml"
#: Cassettes of higher-scoped fixtures (module, session) live here, one per fixture.
FIXTURE_DIR = "_fixtures"

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
#: Settings keys for recording on a real account (``[tool.conformance]`` or ``CONFORMANCE_<KEY>``).
RESOURCE_KEYS = ("role_arn", "s3_model_uri", "s3_output_location")


# ---------------------------------------------------------------- canonical bodies


@dataclasses.dataclass(frozen=True)
class Transformer:
    """A declared rule that replaces volatile values with numbered placeholders ``<name:n>``.

    ``claims(value, shape)`` says whether a leaf value is this transformer's; ``part`` (a regex)
    replaces only the matching part of a string. Equal values get the same number, so relations
    (two equal timestamps, the same generated name twice) survive normalisation. Lower
    ``priority`` runs first; a leaf claimed once is not offered to the next transformer.
    """

    name: str
    priority: int
    shape_type: str | None = None
    part: str | None = None

    def apply(self, value: Any, shape: Any, numbers: dict[Any, int]) -> tuple[bool, Any]:
        if self.shape_type is not None:
            if shape is None or getattr(shape, "type_name", None) != self.shape_type:
                return False, value
            return True, self._placeholder(value, numbers)
        if self.part is not None and isinstance(value, str):
            pattern = re.compile(self.part)
            if not pattern.search(value):
                return False, value
            return True, pattern.sub(lambda m: self._placeholder(m.group(0), numbers), value)
        return False, value

    def _placeholder(self, value: Any, numbers: dict[Any, int]) -> str:
        key = json.dumps(value, sort_keys=True, default=str)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
        return f"<{self.name}:{numbers[key]}>"


#: Client-side volatile values: timestamps a scenario may compute from the clock (time windows),
#: and the run prefix of generated names (stable ``cf-rec`` for this backend, but a worker or an
#: older recording must not make a request unmatchable).
TRANSFORMERS: tuple[Transformer, ...] = tuple(sorted((
    Transformer("timestamp", priority=10, shape_type="timestamp"),
    Transformer("run-prefix", priority=20, part=r"\bcf-rec(?:w\d+)?(?=-|$)"),
), key=lambda t: t.priority))


def canonical_body(target: str | None, body: bytes | str | None,
                   transformers: tuple[Transformer, ...] = TRANSFORMERS) -> str:
    """The JSON body as a canonical string: parsed, keys sorted, volatile values normalised.

    ``target`` (``SageMaker.CreateCompilationJob``) selects the input shape the timestamp
    transformer walks. A body that is not JSON is compared as it is.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    shape = _input_shape(target)
    transformers = tuple(sorted(transformers, key=lambda t: t.priority))  # lower runs first
    numbers: dict[str, dict[Any, int]] = {t.name: {} for t in transformers}
    normalised = _walk(copy.deepcopy(data), shape, transformers, numbers)
    return json.dumps(normalised, sort_keys=True, separators=(",", ":"))


def _input_shape(target: str | None) -> Any:
    if not target or "." not in target:
        return None
    from .model import service_model

    try:
        return service_model().operation_model(target.rsplit(".", 1)[1]).input_shape
    except Exception:  # noqa: BLE001 - an unknown operation is matched without a shape
        return None


def _walk(value: Any, shape: Any, transformers: tuple[Transformer, ...],
          numbers: dict[str, dict[Any, int]]) -> Any:
    type_name = getattr(shape, "type_name", None)
    if isinstance(value, dict):
        members = getattr(shape, "members", {}) if type_name == "structure" else {}
        inner = getattr(shape, "value", None) if type_name == "map" else None
        return {k: _walk(value[k], members.get(k, inner), transformers, numbers) for k in sorted(value)}
    if isinstance(value, list):
        inner = getattr(shape, "member", None) if type_name == "list" else None
        return [_walk(v, inner, transformers, numbers) for v in value]
    for transformer in transformers:
        claimed, new = transformer.apply(value, shape, numbers[transformer.name])
        if claimed:
            return new
    return value


def _header(request: Any, name: str) -> str | None:
    value = request.headers.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value


def match_amz_target(r1: Any, r2: Any) -> None:
    """vcrpy matcher: the operation (``X-Amz-Target``)."""
    t1, t2 = _header(r1, "X-Amz-Target"), _header(r2, "X-Amz-Target")
    if t1 != t2:
        raise AssertionError(f"X-Amz-Target {t1!r} != {t2!r}")


def match_aws_json_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: the canonical JSON body (see :func:`canonical_body`)."""
    target = _header(r1, "X-Amz-Target")
    b1, b2 = canonical_body(target, r1.body), canonical_body(target, r2.body)
    if b1 != b2:
        raise AssertionError(f"body {b1[:300]} != {b2[:300]}")


MATCH_ON = ("method", "path", "query", "amz_target", "aws_json_body")


# ---------------------------------------------------------------- scrubbing


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


# ---------------------------------------------------------------- configuration


@dataclasses.dataclass(frozen=True)
class RecordingConfig:
    """What a run of ``--backend aws`` needs to know. Resolved by :func:`recording_config`."""

    cassette_dir: Path
    record_mode: str
    endpoint: str | None
    region: str
    recorded_against: str
    mask_account: bool = False
    resources: dict[str, str] | None = None

    @property
    def masked_accounts(self) -> tuple[str, ...]:
        """The recording account (that of ``role_arn``) when ``--mask-account`` is on."""
        if not (self.mask_account and self.resources and not self.replaying):
            return ()
        account = account_of(self.resources.get("role_arn"))
        return (account,) if account and account != MASKED_ACCOUNT else ()

    @property
    def replaying(self) -> bool:
        return self.record_mode == "none"


def _setting(settings: dict[str, Any], key: str) -> Any:
    """``[tool.conformance]`` (passed through by config.resolve) over ``CONFORMANCE_<KEY>``."""
    value = settings.get(key)
    if value in (None, ""):
        value = os.environ.get(f"CONFORMANCE_{key.upper()}") or None
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def endpoint_kind(endpoint: str | None) -> str:
    """What a recording is made against: ``aws`` (no endpoint or an amazonaws.com host),
    else ``emulator``; ``CONFORMANCE_RECORDED_AGAINST`` overrides (record-fixtures sets
    ``moto-server``)."""
    label = os.environ.get("CONFORMANCE_RECORDED_AGAINST")
    if label:
        return label
    host = urllib.parse.urlparse(endpoint).hostname if endpoint else None
    if host is None or host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn"):
        return "aws"
    return "emulator"


def recording_config(settings: dict[str, Any], root: Path) -> RecordingConfig:
    """Resolve and check what ``--backend aws`` needs; a UsageError names what is missing."""
    cassette_dir = Path(settings.get("cassette_dir") or "cassettes")
    if not cassette_dir.is_absolute():
        cassette_dir = root / cassette_dir
    record_mode = settings.get("record_mode") or "none"
    endpoint = settings.get("endpoint_url")
    config = RecordingConfig(
        cassette_dir=cassette_dir,
        record_mode=record_mode,
        endpoint=endpoint,
        region=settings.get("region") or "us-east-1",
        recorded_against=endpoint_kind(endpoint),
        mask_account=_truthy(_setting(settings, "mask_account")),
    )
    if config.replaying or config.recorded_against != "aws":
        return config
    resources = {key: _setting(settings, key) for key in RESOURCE_KEYS}
    missing = [key for key, value in resources.items() if not value]
    if missing:
        raise UsageError(
            "recording against AWS needs " + ", ".join(missing) + ": set them in [tool.conformance] "
            "of pyproject.toml or as " + ", ".join(f"CONFORMANCE_{k.upper()}" for k in missing)
        )
    bad = [k for k in ("s3_model_uri", "s3_output_location") if not str(resources[k]).startswith("s3://")]
    if bad or not str(resources["role_arn"]).startswith("arn:"):
        raise UsageError("recording against AWS: role_arn must be an ARN and s3_model_uri, "
                         "s3_output_location s3:// URIs")
    import boto3

    if boto3.session.Session(region_name=config.region).get_credentials() is None:
        raise UsageError("recording against AWS needs credentials: none found (set AWS_PROFILE "
                         "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
    return dataclasses.replace(config, resources={k: str(v) for k, v in resources.items()})


def resource_transform(resources: dict[str, str] | None) -> Callable[[str, dict], dict] | None:
    """Create requests carry the account's role and S3 locations instead of generated ones.

    Used when recording on a real account (from configuration) and when replaying such a
    recording (from its provenance), so the same requests go out in both.
    """
    if not resources:
        return None

    def transform(operation: str, request: dict[str, Any]) -> dict[str, Any]:
        if operation != "CreateCompilationJob":
            return request
        out = dict(request)
        out["RoleArn"] = resources["role_arn"]
        if isinstance(out.get("InputConfig"), dict):
            out["InputConfig"] = {**out["InputConfig"], "S3Uri": resources["s3_model_uri"]}
        if isinstance(out.get("OutputConfig"), dict):
            out["OutputConfig"] = {**out["OutputConfig"], "S3OutputLocation": resources["s3_output_location"]}
        return out

    return transform


# ---------------------------------------------------------------- cassette files


def cassette_name(nodeid: str) -> str:
    """``<module stem>/<[Class.]test name>`` from a pytest node id: pytest-recording's layout,
    independent of the rootdir the suite was started from."""
    from pytest_recording.plugin import get_default_cassette_name

    parts = nodeid.split("::")
    stem = Path(parts[0]).stem
    cls = type(parts[1], (), {}) if len(parts) == 3 else None
    return f"{stem}/{get_default_cassette_name(cls, parts[-1])}"


def scope_key(nodeid: str) -> str:
    """The key names are scoped by; stable for a test whatever else runs."""
    return cassette_name(nodeid)


def validate_file(path: Path, root: Path | None = None) -> dict[str, Any]:
    """Parse one cassette; a UsageError names the file and what is wrong."""
    import yaml

    shown = _relative(path, root)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())[:160]
        raise UsageError(f"corrupt cassette {shown}: {reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise UsageError(f"corrupt cassette {shown}: not a vcrpy cassette (no interactions list)")
    for index, item in enumerate(data["interactions"]):
        if not (isinstance(item, dict) and isinstance(item.get("request"), dict)
                and isinstance(item.get("response"), dict)):
            raise UsageError(f"corrupt cassette {shown}: interaction {index} lacks request/response")
    return data


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _relative(path: Path, root: Path | None) -> str:
    for base in (root, Path.cwd()):
        if base is not None:
            try:
                return str(path.resolve().relative_to(base.resolve()))
            except ValueError:
                pass
    return str(path)


def cassette_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob(f"*{SUFFIX}") if p.is_file()) if directory.is_dir() else []


def validate_dir(directory: Path, root: Path | None = None) -> int:
    """Check every cassette under ``directory`` up front, so a corrupt file stops the run with
    one line instead of surfacing as a vcrpy traceback in some test. Returns the count."""
    files = cassette_files(directory)
    for path in files:
        validate_file(path, root)
    return len(files)


def require_cassettes(directory: Path, record_mode: str | None, root: Path | None = None) -> int:
    """:func:`validate_dir`, and in replay a folder that is missing or holds no cassette is
    refused: it would skip every test, a run that judged nothing. Recording may start empty."""
    count = validate_dir(directory, root)
    if count == 0 and (record_mode or "none") == "none":
        shown = _relative(directory, root)
        why = "holds no cassettes" if directory.is_dir() else "does not exist"
        raise NothingToJudge(
            f"cassette folder {shown} {why}, nothing to replay: record it with "
            f"`{RECORD_AWS_COMMAND} --cassette-dir {shown}` (real AWS) or "
            f"`{RECORD_FIXTURES_COMMAND} --cassette-dir {shown}` (moto server)")
    return count


def provenance(directory: Path) -> dict[str, dict[str, Any]]:
    """``{cassette name: provenance}`` of every cassette under ``directory``."""
    out: dict[str, dict[str, Any]] = {}
    for path in cassette_files(directory):
        data = validate_file(path)
        name = path.relative_to(directory).as_posix()[: -len(SUFFIX)]
        out[name] = (data.get("metadata") or {}).get(METADATA_KEY) or {}
    return out


def coverage(directory: Path, nodeids: list[str]) -> dict[str, Any]:
    """Which collected tests have no cassette, and which cassettes belong to no test."""
    expected = {cassette_name(n): n for n in nodeids}
    present = {
        p.relative_to(directory).as_posix()[: -len(SUFFIX)]
        for p in cassette_files(directory)
        if not p.relative_to(directory).as_posix().startswith(FIXTURE_DIR + "/")
    }
    return {
        "tests": len(expected),
        "missing": sorted(expected[name] for name in expected.keys() - present),
        "orphaned": sorted(present - expected.keys()),
    }


def summarise(used: list[dict[str, Any]], config: RecordingConfig, root: Path) -> dict[str, Any]:
    """The report's ``cassettes`` section: what the run replayed or recorded, and against what."""
    by_source: dict[tuple, dict[str, Any]] = {}
    seen: dict[str, dict[str, Any]] = {}
    for entry in used:
        seen[entry["cassette"]] = entry
    for entry in seen.values():
        prov = entry.get("provenance") or {}
        key = (prov.get("recorded_against"), prov.get("botocore"), prov.get("suite"))
        source = by_source.setdefault(key, {
            "recorded_against": prov.get("recorded_against") or "unknown",
            "botocore": prov.get("botocore"), "suite": prov.get("suite"),
            "first_recorded_at": None, "last_recorded_at": None, "cassettes": 0,
        })
        source["cassettes"] += 1
        when = prov.get("recorded_at")
        if when:
            source["first_recorded_at"] = min(filter(None, (source["first_recorded_at"], when)))
            source["last_recorded_at"] = max(filter(None, (source["last_recorded_at"], when)))
    states = [entry["state"] for entry in seen.values()]
    return {
        "dir": _relative(config.cassette_dir, root),
        "record_mode": config.record_mode,
        "recording_against": None if config.replaying else config.recorded_against,
        "account_masked": config.mask_account,
        "used": len(seen),
        "recorded": states.count("recorded"),
        "replayed": states.count("replayed"),
        "missing": states.count("missing"),
        "unmatched": states.count("unmatched"),
        "sources": sorted(by_source.values(), key=lambda s: (-s["cassettes"], s["recorded_against"])),
    }


# ---------------------------------------------------------------- the session's manager


class _Miss:
    """What the botocore hook needs to turn an unrecorded request into a skip."""

    cassette: str | None = None
    missed: bool = False


_ACTIVE = _Miss()


def instrument(client: Any) -> None:
    """Make a request the active cassette cannot answer a skip that names the operation and the
    record command, not an HTTPClientError deep in a check (botocore ``needs-retry`` event)."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"needs-retry.{service}", _on_needs_retry)


def _on_needs_retry(caught_exception: BaseException | None = None, operation: Any = None, **_: Any) -> None:
    if caught_exception is None or _ACTIVE.cassette is None:
        return
    from vcr.errors import CannotOverwriteExistingCassetteException

    inner = getattr(caught_exception, "kwargs", {}).get("error")
    if not isinstance(inner, CannotOverwriteExistingCassetteException):
        return
    name = getattr(operation, "name", "a request")
    _ACTIVE.missed = True
    why = next((line.strip() for line in str(inner).splitlines() if "closest" in line), "")
    why = why[why.find("(") + 1: why.rfind(")")] if "(" in why else "it holds none"
    pytest.skip(
        f"cassette {_ACTIVE.cassette} has no recorded {name} matching this request ({why}); "
        f"re-record with `{RECORD_FIXTURES_COMMAND}` (moto server) or "
        f"`conformance run --backend aws --record-mode new_episodes` (real AWS)"
    )


class CassetteManager:
    """One per pytest session of ``--backend aws``: builds the vcrpy instance and wraps tests
    (and higher-scoped fixtures) in their cassettes."""

    def __init__(self, config: RecordingConfig, root: Path, pytestconfig: Any = None) -> None:
        self.config = config
        self.root = root
        self.pytestconfig = pytestconfig
        self.session: Any = None
        self.used: list[dict[str, Any]] = []
        self._vcr: Any = None
        self._sink: Any = None

    # vcrpy ---------------------------------------------------------------

    @property
    def vcr(self) -> Any:
        if self._vcr is None:
            import vcr

            instance = vcr.VCR(
                cassette_library_dir=str(self.config.cassette_dir),
                path_transformer=vcr.VCR.ensure_suffix(SUFFIX),
                match_on=MATCH_ON,
                decode_compressed_response=True,
            )
            instance.register_matcher("amz_target", match_amz_target)
            instance.register_matcher("aws_json_body", match_aws_json_body)
            if self.pytestconfig is not None:  # pytest-recording's hook: users add matchers there
                self.pytestconfig.hook.pytest_recording_configure(config=self.pytestconfig, vcr=instance)
            self._vcr = instance
        return self._vcr

    def _kwargs(self, user: dict[str, Any] | None = None) -> dict[str, Any]:
        mask = self.config.masked_accounts
        user = dict(user or {})
        user.pop("record_mode", None)  # one precedence: --record-mode > pyproject > environment
        mode = self.config.record_mode

        def before_request(request: Any) -> Any:
            return scrub_request(request, accounts=mask)

        def before_response(response: dict[str, Any]) -> dict[str, Any]:
            return scrub_response(response, accounts=mask)

        def before_save(request: Any, response: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
            return scrub_request(request, accounts=mask), scrub_response(response, accounts=mask)

        kwargs = dict(user)
        kwargs.update(
            record_mode={"rewrite": "all"}.get(mode, mode),
            filter_headers=sorted(DROP_REQUEST_HEADERS) + list(user.get("filter_headers", ())),
            before_record_request=[*_as_list(user.get("before_record_request")), before_request],
            before_record_response=[*_as_list(user.get("before_record_response")), before_response],
            before_save_interaction=[*_as_list(user.get("before_save_interaction")), before_save],
            drop_unused_requests=mode in ("all", "rewrite"),
        )
        return kwargs

    # session-level -------------------------------------------------------------

    def start(self) -> None:
        """In replay, a sink cassette for the session: a call outside every test's cassette
        fails at once instead of reaching the network."""
        if self.config.replaying and self._sink is None:
            self._sink = self.vcr.use_cassette(
                str(self.config.cassette_dir / ".no-recording"), record_mode="none")
            self._sink.__enter__()

    def stop(self) -> None:
        if self._sink is not None:
            sink, self._sink = self._sink, None
            sink.__exit__(None, None, None)

    def provenance(self) -> dict[str, Any]:
        from . import __version__
        from .model import botocore_version

        entry: dict[str, Any] = {
            "recorded_against": self.config.recorded_against,
            "recorded_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "botocore": botocore_version(),
            "suite": __version__,
            "region": self.config.region,
            "record_mode": self.config.record_mode,
            "account_masked": bool(self.config.masked_accounts),
        }
        if self.config.resources:
            resources = dict(self.config.resources)
            resources = {k: mask_accounts(v, self.config.masked_accounts) for k, v in resources.items()}
            entry["resources"] = resources
        return entry

    # one cassette ----------------------------------------------------------------

    @contextlib.contextmanager
    def use(self, name: str, *, scope: str, user_config: dict[str, Any] | None = None,
            record: Callable[[dict[str, Any]], None] | None = None, cleanup: bool = True,
            keep_empty: bool = False) -> Iterator[Any]:
        """Wrap a test (or fixture) in cassette ``name``; names made inside are scoped by ``scope``.

        Replay without the file is a skip naming the record command. ``record`` receives what the
        report needs (cassette, state, provenance). ``keep_empty``: a recording that sent nothing
        (a test judging what a fixture's cassette holds) still writes its cassette, with no
        interactions, so the replay finds it.
        """
        path = self.config.cassette_dir / f"{name}{SUFFIX}"
        shown = _relative(path, self.root)
        if self.config.replaying and not path.is_file():
            if record:
                record({"cassette": name, "state": "missing", "provenance": None})
            pytest.skip(f"no cassette {shown}: record it with `{RECORD_FIXTURES_COMMAND}` "
                        f"(moto server) or `{RECORD_AWS_COMMAND}` (real AWS)")
        if self.config.record_mode == "rewrite" and path.is_file():
            path.unlink()
        session = self.session
        backend = getattr(session, "backend", None)
        saved_transform = getattr(backend, "request_transform", None)
        outer = _ACTIVE.cassette
        with self.vcr.use_cassette(str(path), **self._kwargs(user_config)) as cassette:
            loaded = dict((cassette._metadata or {}).get(METADATA_KEY) or {})
            if backend is not None:
                resources = self.config.resources if not self.config.replaying else loaded.get("resources")
                if self.config.replaying or self.config.recorded_against == "aws":
                    backend.request_transform = resource_transform(resources)
            _ACTIVE.cassette, _ACTIVE.missed = shown, False
            scoped = session.name_scope(scope, cleanup=cleanup) if session is not None else contextlib.nullcontext()
            try:
                with scoped:  # on exit: the jobs made inside are deleted, in this cassette
                    try:
                        yield cassette
                    finally:
                        _ACTIVE.cassette = None  # a miss while cleaning up is not a verdict
            finally:
                _ACTIVE.cassette = outer
                if backend is not None:
                    backend.request_transform = saved_transform
                state = "unmatched" if _ACTIVE.missed else "replayed"
                _ACTIVE.missed = False
                if keep_empty and not self.config.replaying and not path.is_file():
                    cassette.dirty = True
                if cassette.dirty:
                    # vcrpy keeps metadata next to the interactions; get_metadata never
                    # overwrites, and a re-recording must say when it was made.
                    cassette._metadata = {**(cassette._metadata or {}), METADATA_KEY: self.provenance()}
                    state = "recorded"
                    loaded = cassette._metadata[METADATA_KEY]
                if record:
                    record({"cassette": name, "state": state, "provenance": loaded})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if callable(value):
        return [value]
    return list(value)


def fixture_cassette_name(baseid: str, argname: str, param_index: int = 0) -> str:
    stem = Path(baseid.split("::")[0]).stem if baseid else "plugins"
    suffix = f"-{param_index}" if param_index else ""
    return f"{FIXTURE_DIR}/{stem}.{argname}{suffix}"


def without_local_constants() -> bool:
    """Stop Hypothesis from mixing string and number constants of the project's own source files
    into its draws (6.1xx "local constants"). That pool depends on which local modules happen to
    be imported and changes with every edited literal anywhere in the project, so the same
    derandomized test would draw other requests at replay than at recording. Returns whether
    there was anything to switch off (older Hypothesis versions have no such pool)."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        return False
    if not hasattr(providers, "_get_local_constants") or not hasattr(providers, "Constants"):
        return False
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    return True


class CassettePlugin:
    """pytest hooks of ``--backend aws`` (registered by the conformance plugin)."""

    def __init__(self, manager: CassetteManager) -> None:
        self.manager = manager

    def pytest_sessionstart(self, session: Any) -> None:
        # Record and replay must draw the same requests: derandomized, no example database,
        # the same example counts. Loaded here, after every plugin's pytest_configure.
        from hypothesis import settings

        settings.load_profile("ci")
        without_local_constants()
        self.manager.start()

    def pytest_sessionfinish(self, session: Any, exitstatus: int) -> None:
        self.manager.stop()

    def pytest_report_header(self, config: Any) -> str:
        c = self.manager.config
        mode = "replay" if c.replaying else f"record ({c.record_mode}) against {c.recorded_against}"
        return f"conformance cassettes: {_relative(c.cassette_dir, self.manager.root)}, {mode}; hypothesis profile ci"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Iterator[None]:
        """Calls made while a module- or session-scoped fixture sets up go to a cassette of that
        fixture, under names scoped to it, so they replay whichever test needs them first."""
        wrap = (fixturedef.scope != "function" and fixturedef.argname != "conformance_session"
                and "conformance_session" in fixturedef.argnames and self.manager.session is not None)
        if not wrap:
            outcome = yield
            if fixturedef.argname == "conformance_session" and outcome.excinfo is None:
                self.manager.session = outcome.get_result()
            return
        name = fixture_cassette_name(fixturedef.baseid, fixturedef.argname,
                                     getattr(request, "param_index", 0))
        with self.manager.use(name, scope=name, record=self.manager.used.append, cleanup=False):
            yield



_MANAGER = pytest.StashKey["CassetteManager"]()


def configure(config: Any, resolved: dict[str, Any]) -> CassetteManager:
    """Set up ``--backend aws`` for a pytest session: check every cassette file and the
    recording configuration up front (one-line errors), then register the hooks."""
    root = Path(config.rootpath)
    settings = dict(resolved)
    if config.getoption("mask_account", default=None):
        settings["mask_account"] = True
    recording = recording_config(settings, root)
    require_cassettes(recording.cassette_dir, recording.record_mode, root)
    manager_ = CassetteManager(recording, root, config)
    config.stash[_MANAGER] = manager_
    config.pluginmanager.register(CassettePlugin(manager_), "conformance-cassettes")
    return manager_


def manager(config: Any) -> CassetteManager | None:
    return config.stash.get(_MANAGER, None)


def report_section(config: Any, entries: list[dict[str, Any]]) -> dict[str, Any]:
    found = manager(config)
    if found is None:
        return {}
    return summarise([*entries, *found.used], found.config, found.root)
