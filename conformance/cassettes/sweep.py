"""The sweep's cassettes (``conformance sweep --backend aws``): one per resource family,
``<cassette dir>/sweep/<Family>.yaml``, with the matching, scrubbing and provenance of the
suite's cassettes (the same vcrpy instance and arguments: :class:`.hooks.CassetteManager`).

The sweep is not a pytest run: it draws its requests with ``simplest()`` (the first derandomized
Hypothesis draw). Like format 2 for the suite, a family's cassette stores those values, each
under a stable key (``CreateModel``, ``CreateModel/invalid/ModelName:max-length``), and a replay
hands them back instead of drawing again: the requests sent are the recorded ones whatever
Hypothesis, botocore's model or the strategies would draw today. They are kept as format 2's
single run of executions (``{"simplest": key, "value": ...}`` per line), so the suite's checks of
a cassette file (:func:`.provenance.validate_file`) hold for these too.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from . import replay
from .hooks import CassetteManager, unmatched
from .provenance import METADATA_KEY, SUFFIX, SWEEP_DIR, RecordingConfig, _relative
#: The commands that (re)record the sweep's cassettes: against moto's server, on a real account.
RECORD_SWEEP_FIXTURES_COMMAND = "conformance record-fixtures --sweep"
RECORD_SWEEP_AWS_COMMAND = "conformance sweep --backend aws --record-mode once"


class StaleSweepCassette(BaseException):
    """A replayed family needs what its cassette does not hold (a request, a draw). A
    BaseException, like pytest's skip: the exchange layer turns every Exception into a
    verdict, and this must stop the family instead, where it is reported."""


def stale(shown: str, why: str) -> StaleSweepCassette:
    """``stale cassette: <file> <why>; re-record ...``: the message ``run`` gives a stale test."""
    return StaleSweepCassette(f"stale cassette: {shown} {why}; re-record it with `{RECORD_SWEEP_FIXTURES_COMMAND}` "
                              f"(moto server) or `{RECORD_SWEEP_AWS_COMMAND}` (real AWS)")


class RecordedDrawError(Exception):
    """A draw that raised while recording raises again in replay, with the same message."""


class Draws:
    """The ``simplest()`` values of one family's cassette, by key: noted while recording
    (a draw that raised is noted as its message), handed back in replay."""

    def __init__(self, stored: dict[str, Any] | None, *, replaying: bool, shown: str = "") -> None:
        #: True: only what is stored (a draw it lacks makes the cassette stale); False: what is
        #: stored first (``new_episodes``), and what is not is drawn and noted.
        self.replaying = replaying
        self.shown = shown
        #: set when the cassette could not answer (a request or a draw it lacks)
        self.missed = False
        self.values: dict[str, dict[str, Any]] = {}
        #: the clock readings of the family's waits (:meth:`monotonic`), in order
        self.readings: list[float] = []
        self._next_reading = 0
        for run in (stored or {}).get("runs") or []:
            for line in run:
                entry = json.loads(line)
                if "clock" in entry:  # a recording (new_episodes too) notes its own waits
                    self.readings = list(entry["clock"]) if replaying else []
                else:
                    self.values[entry["simplest"]] = entry

    def monotonic(self) -> float:
        """The session's clock while it waits for a resource to settle: real readings, noted
        while recording; the noted ones in replay, so a replay polls exactly as often."""
        if not self.replaying:
            self.readings.append(time.monotonic())
            return self.readings[-1]
        if self._next_reading >= len(self.readings):
            self.missed = True
            raise stale(self.shown, "waits longer than was recorded")
        self._next_reading += 1
        return self.readings[self._next_reading - 1]

    def sleep(self, seconds: float) -> None:
        if not self.replaying:
            time.sleep(seconds)

    def simplest(self, key: str, draw: Callable[[], Any]) -> Any:
        entry = self.values.get(key)
        if entry is not None:
            if "error" in entry:
                raise RecordedDrawError(entry["error"])
            return replay.decode(entry["value"])
        if self.replaying:
            self.missed = True
            raise stale(self.shown, f"holds no draw for {key}")
        try:
            value = draw()
        except Exception as exc:
            self.values[key] = {"simplest": key, "error": str(exc)}
            raise
        self.values[key] = {"simplest": key, "value": replay.encode(value)}
        return value

    def metadata(self) -> dict[str, Any]:
        lines = [replay.dumps(v) for v in self.values.values()]
        if self.readings:
            lines.append(replay.dumps({"clock": self.readings}))
        return {"format": replay.FORMAT, "runs": [lines]}


def family_cassette(directory: Path, family: str) -> Path:
    return directory / SWEEP_DIR / f"{family}{SUFFIX}"


def require_sweep_cassettes(config: RecordingConfig, root: Path) -> None:
    """In replay, a sweep folder that is missing or holds no cassette is refused in one line
    (as ``run`` refuses an empty cassette folder): every family would be skipped."""
    folder = config.cassette_dir / SWEEP_DIR
    if not config.replaying or any(folder.glob(f"*{SUFFIX}")):
        return
    from ..errors import NothingToJudge

    shown = _relative(config.cassette_dir, root)
    why = "holds no sweep cassettes" if folder.is_dir() else "does not exist"
    raise NothingToJudge(f"{_relative(folder, root)} {why}, nothing to replay: record it with "
                         f"`{RECORD_SWEEP_FIXTURES_COMMAND} --cassette-dir {shown}` (moto server) or "
                         f"`{RECORD_SWEEP_AWS_COMMAND} --cassette-dir {shown}` (real AWS)")


class SweepCassettes:
    """The cassettes of one sweep run: each family in its own, recorded or replayed."""

    def __init__(self, config: RecordingConfig, root: Path) -> None:
        self.config = config
        self.root = root
        self.manager = CassetteManager(config, root)
        #: what the report's ``cassettes`` section summarises (as the suite's plugin collects it)
        self.used: list[dict[str, Any]] = []

    @property
    def replaying(self) -> bool:
        return self.config.replaying

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """In replay, a call outside every family's cassette fails at once instead of reaching
        the network (the suite's sink cassette)."""
        self.manager.start()
        try:
            yield
        finally:
            self.manager.stop()

    def missing(self, family: str) -> str | None:
        """Why ``family`` cannot be replayed (no cassette), or None."""
        path = family_cassette(self.config.cassette_dir, family)
        if not self.replaying or path.is_file():
            return None
        self.used.append({"cassette": f"{SWEEP_DIR}/{family}", "state": "missing", "provenance": None})
        return (f"no cassette {_relative(path, self.root)}: record it with `{RECORD_SWEEP_FIXTURES_COMMAND}` "
                f"(moto server) or `{RECORD_SWEEP_AWS_COMMAND} --family {family}` (real AWS)")

    @contextlib.contextmanager
    def family(self, family: str, client: Any) -> Iterator[Draws]:
        """Inside, ``client``'s calls go to (or come from) the family's cassette and the
        ``simplest()`` draws are noted (or replayed) by the :class:`Draws` yielded; a request
        the cassette does not hold raises :class:`StaleSweepCassette`."""
        path = family_cassette(self.config.cassette_dir, family)
        shown = _relative(path, self.root)
        mode = self.config.record_mode
        if mode == "rewrite" and path.is_file():
            path.unlink()
        # vcrpy's modes: ``once`` with the file present only replays; ``all`` records afresh
        replay_only = mode == "none" or (mode == "once" and path.is_file())
        fresh = mode in ("all", "rewrite") or not path.is_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        service = client.meta.service_model.service_id.hyphenize()
        with self.manager.vcr.use_cassette(str(path), **self.manager.cassette_kwargs()) as cassette:
            metadata = cassette._metadata or {}
            loaded = dict(metadata.get(METADATA_KEY) or {})
            draws = Draws(None if fresh else metadata.get(replay.DRAWS_KEY), replaying=replay_only, shown=shown)

            def on_miss(caught_exception: BaseException | None = None, operation: Any = None, **_: Any) -> None:
                why = unmatched(caught_exception, operation) if caught_exception is not None else None
                if why:
                    draws.missed = True
                    raise stale(shown, why)

            client.meta.events.register_first(f"needs-retry.{service}", on_miss)
            try:
                yield draws
            finally:
                client.meta.events.unregister(f"needs-retry.{service}", on_miss)
                entry_state = "unmatched" if draws.missed else "replayed"
                if not replay_only:
                    cassette.dirty = True  # a family that sent nothing still has its draws
                    # vcrpy keeps metadata next to the interactions (see hooks.CassetteManager.use)
                    cassette._metadata = {**metadata, METADATA_KEY: self.manager.provenance(),
                                          replay.DRAWS_KEY: draws.metadata()}
                    loaded, entry_state = cassette._metadata[METADATA_KEY], "recorded"
                self.used.append({"cassette": f"{SWEEP_DIR}/{family}", "state": entry_state, "provenance": loaded})

    def report_section(self) -> dict[str, Any]:
        from .provenance import summarise

        return summarise(self.used, self.config, self.root)
