"""Settings and provenance: what a ``--backend aws`` run needs (where cassettes are, record
mode, the account's resources), what each cassette says it was recorded against, and the checks
that stop a run with one line before any test (a corrupt or old-format cassette, an empty
folder)."""

from __future__ import annotations

import dataclasses
import os
import urllib.parse
from pathlib import Path
from typing import Any, Callable

from ..errors import NothingToJudge, UsageError
from .scrubbing import MASKED_ACCOUNT, account_of

#: The command that (re)records the shipped cassettes, and the one that records on a real account.
RECORD_FIXTURES_COMMAND = "conformance record-fixtures"
RECORD_AWS_COMMAND = "conformance run --backend aws --record-mode once"

METADATA_KEY = "conformance"
#: Where the report and the coverage test find a cassette's provenance; also vcrpy's file suffix.
SUFFIX = ".yaml"
#: Cassettes of higher-scoped fixtures (module, session) live here, one per fixture.
FIXTURE_DIR = "_fixtures"
#: The sweep's cassettes (one per resource family; :mod:`.sweep`): no test of the suite owns them.
SWEEP_DIR = "sweep"

#: Settings keys for recording on a real account (``[tool.conformance]`` or ``CONFORMANCE_<KEY>``).
RESOURCE_KEYS = ("role_arn", "s3_model_uri", "s3_output_location")


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
    _check_format(data.get("metadata") or {}, shown)
    return data


def _check_format(metadata: dict[str, Any], shown: str) -> None:
    """Format 1 (no draws stored) still loads; a newer format than this suite reads, or draws
    that are not a list of runs, is one line naming the file and the command to re-record."""
    from .replay import DRAWS_KEY, FORMAT

    draws = metadata.get(DRAWS_KEY) if isinstance(metadata, dict) else None
    fmt = draws.get("format") if isinstance(draws, dict) else (1 if draws is None else None)
    redo = f"re-record it with `{RECORD_FIXTURES_COMMAND}` (moto server) or `{RECORD_AWS_COMMAND}` (real AWS)"
    if isinstance(fmt, int) and fmt > FORMAT:
        raise UsageError(f"cassette {shown} has format {fmt}, newer than this suite reads ({FORMAT}): "
                         f"update neo-conformance or {redo}")
    runs = draws.get("runs") if isinstance(draws, dict) else [] if draws is None else None
    if fmt is None or not (isinstance(runs, list) and all(
            isinstance(run, list) and all(isinstance(line, str) for line in run) for run in runs)):
        raise UsageError(f"corrupt cassette {shown}: its recorded draws ({DRAWS_KEY}) are not a list of runs; {redo}")


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
        if not p.relative_to(directory).as_posix().startswith((FIXTURE_DIR + "/", SWEEP_DIR + "/"))
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
        "old_format": sum(1 for e in seen.values() if e.get("provenance") and not e["provenance"].get("format")),
        "sources": sorted(by_source.values(), key=lambda s: (-s["cassettes"], s["recorded_against"])),
    }
