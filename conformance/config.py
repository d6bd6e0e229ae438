"""Settings with one documented precedence:
command-line flag > ``[tool.conformance]`` in pyproject.toml > ``CONFORMANCE_<KEY>`` environment
variable > default.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Callable

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


#: Numeric settings: key -> (type, what a value must be, whether a value is allowed). One
#: parser, so a bad value from any source gets the same one-line refusal.
NUMBERS: dict[str, tuple[type, str, Callable[[float], bool]]] = {
    "max_attempts": (int, "a whole number, at least 1", lambda n: n >= 1),
    "read_timeout": (float, "a positive number of seconds", lambda n: n > 0),
    "poll_budget": (float, "a number of seconds, not negative", lambda n: n >= 0),
    "max_live_jobs": (int, "a whole number, not negative (0: no bound)", lambda n: n >= 0),
}


def _number(key: str, value: Any) -> int | float:
    kind, what, allowed = NUMBERS[key]
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise UsageError(f"{key} must be {what}, got {value!r}") from None
    if not allowed(number):
        raise UsageError(f"{key} must be {what}, got {value!r}")
    return number


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
    """Merge the four sources for every known key; other pyproject keys (read by other
    rooms, e.g. recording) pass through untouched."""
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
    for key in NUMBERS:
        settings[key] = _number(key, settings[key])
    # Keys consumed by other rooms (e.g. recording configuration) pass through untouched.
    settings.update({k: v for k, v in project.items() if k not in DEFAULTS})
    return settings
