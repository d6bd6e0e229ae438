"""Settings with one documented precedence:
command-line flag > ``[tool.conformance]`` in pyproject.toml > ``CONFORMANCE_<KEY>`` environment
variable > default.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from .errors import UsageError

#: Default read timeout per backend, seconds. An emulator on loopback answers in milliseconds
#: (moto's server: 7 ms a call); a hung attempt costs one read timeout, then its retry, so 2 s
#: keeps a run against an emulator that hangs 5% of its calls within minutes (an answer slower
#: than that is retried, not lost). The real API: 30 s.
READ_TIMEOUTS = {"moto": 2.0, "server": 2.0, "aws": 30.0}

DEFAULTS: dict[str, Any] = {
    "backend": "moto",
    "endpoint_url": None,
    "region": "us-east-1",
    "record_mode": "none",
    "report_dir": None,
    "cassette_dir": "cassettes",
    "max_attempts": 8,
    "read_timeout": READ_TIMEOUTS["moto"],  # READ_TIMEOUTS[backend] unless set
    "poll_budget": 60.0,
    "max_live_jobs": 10,  # waiting.DEFAULT_MAX_LIVE_JOBS
}


def pyproject_settings(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path.name}: not valid TOML ({exc})") from None
    section = data.get("tool", {}).get("conformance", {})
    if not isinstance(section, dict):
        raise UsageError("pyproject.toml: [tool.conformance] must be a table")
    return {key.replace("-", "_"): value for key, value in section.items()}


def resolve(cli: dict[str, Any], root: Path) -> dict[str, Any]:
    """Merge the four sources for every known key; unknown pyproject keys are refused."""
    project = pyproject_settings(root)
    settings: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        env = os.environ.get(f"CONFORMANCE_{key.upper()}")
        value = default
        if env not in (None, ""):
            value = env
        if key in project:
            value = project[key]
        if cli.get(key) is not None:
            value = cli[key]
        settings[key] = value
        if key == "read_timeout" and value is default:  # no source set it: the backend's default
            settings[key] = READ_TIMEOUTS.get(settings["backend"], default)
    try:
        settings["max_attempts"] = int(settings["max_attempts"])
    except (TypeError, ValueError):
        raise UsageError(f"max_attempts must be a whole number, got {settings['max_attempts']!r}") from None
    try:
        settings["read_timeout"] = float(settings["read_timeout"])
    except (TypeError, ValueError):
        raise UsageError(f"read_timeout must be a number of seconds, got {settings['read_timeout']!r}") from None
    if settings["read_timeout"] <= 0:
        raise UsageError("read_timeout must be positive")
    try:
        settings["poll_budget"] = float(settings["poll_budget"])
    except (TypeError, ValueError):
        raise UsageError(f"poll_budget must be a number of seconds, got {settings['poll_budget']!r}") from None
    if settings["poll_budget"] < 0:
        raise UsageError("poll_budget must not be negative")
    try:
        settings["max_live_jobs"] = int(settings["max_live_jobs"])
    except (TypeError, ValueError):
        raise UsageError(f"max_live_jobs must be a whole number (0: no bound), got {settings['max_live_jobs']!r}") from None
    if settings["max_live_jobs"] < 0:
        raise UsageError("max_live_jobs must not be negative (0: no bound)")
    # Keys consumed by other rooms (e.g. recording configuration) pass through untouched.
    settings.update({k: v for k, v in project.items() if k not in DEFAULTS})
    return settings
