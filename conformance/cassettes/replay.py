"""Replay of recorded requests: what a test drew from Hypothesis is stored in its cassette, and a
replay runs exactly those values instead of asking the strategies again.

A cassette matches requests by content (:mod:`.matching`), so replaying by drawing again holds only
while Hypothesis, botocore's model and the strategies draw byte-identical requests: the next
release of any of them makes a cassette stale. Here every ``@given`` run of a test is recorded as
its executions, in the order Hypothesis ran them (generation, shrinking, the final re-run), each
with the values of the given arguments and of every ``data.draw``. A replay calls the test's body
(``.hypothesis.inner_test``, the handle Hypothesis documents for plugins) once per recorded
execution with those values: the same requests go out in the same order, and the checks of today
judge the recorded answers. Neither Hypothesis' engine nor the strategies take part, so a replay
does not depend on their version, the profile, the seed, or an enum value added to the model.

The hook is the suite modules' ``given`` (see :func:`install`): in a ``--backend aws`` session it
is :func:`given` below, which is Hypothesis' own when no cassette is active.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import functools
import importlib
import json
import warnings
from typing import Any, Callable

import hypothesis
import hypothesis.errors
import hypothesis.strategies

#: The cassette format this suite writes: 2 = the executions of every ``@given`` run are stored
#: (metadata ``conformance_draws``). A cassette without a format is format 1 (drawn again at replay).
FORMAT = 2
DRAWS_KEY = "conformance_draws"
#: Classes a cassette may name (a drawn violation label): only the project's own, never any importable.
_TRUSTED_MODULES = ("strategies", "conformance")


class StaleCassette(Exception):
    """The test now needs what its cassette does not hold (more runs or draws than recorded)."""


# ---------------------------------------------------------------- values <-> JSON


def encode(value: Any) -> Any:
    """A drawn value as JSON: tuples, datetimes, bytes and the project's dataclasses tagged, so
    :func:`decode` gives back an equal value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return {"$dataclass": f"{cls.__module__}:{cls.__qualname__}",
                "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"cannot store a drawn {type(value).__name__} in a cassette: {value!r:.80}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$tuple" in value:
        return tuple(decode(v) for v in value["$tuple"])
    if "$datetime" in value:
        return _dt.datetime.fromisoformat(value["$datetime"])
    if "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if "$map" in value:
        return {decode(k): decode(v) for k, v in value["$map"]}
    if "$dataclass" in value:
        return _dataclass(value["$dataclass"])(**{k: decode(v) for k, v in value["fields"].items()})
    return {k: decode(v) for k, v in value.items()}


def _dataclass(path: str) -> type:
    module, _, name = path.partition(":")
    if module.split(".")[0] not in _TRUSTED_MODULES:
        raise ValueError(f"a cassette names class {path}, outside the suite's own modules")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    if not dataclasses.is_dataclass(found):
        raise ValueError(f"a cassette names {path}, which is not a dataclass")
    return found


def dumps(execution: dict[str, Any]) -> str:
    """One execution as one line of ASCII JSON (a YAML-safe string, whatever was drawn), keys in
    the order drawn: a request replays byte for byte."""
    return json.dumps(execution, ensure_ascii=True, separators=(",", ":"))


# ---------------------------------------------------------------- the tape of one cassette


_DATA = {"$data": True}


class _RecordingData:
    """``st.data()`` while recording: draws as Hypothesis does, and notes each value."""

    def __init__(self, data: Any, draws: list[Any]) -> None:
        self._data, self._draws = data, draws

    def draw(self, strategy: Any, label: Any = None) -> Any:
        value = self._data.draw(strategy, label=label)
        self._draws.append(encode(value))
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._data, name)


class _ReplayData:
    """``st.data()`` in replay: each draw is the next recorded value; the strategy is not asked."""

    def __init__(self, draws: list[Any]) -> None:
        self._draws = list(draws)
        self.drawn: list[tuple[Any, Any]] = []

    def draw(self, strategy: Any, label: Any = None) -> Any:
        if not self._draws:
            raise StaleCassette(f"the test draws more than was recorded ({label or strategy!r:.60})")
        value = decode(self._draws.pop(0))
        self.drawn.append((label, value))
        return value

    def notes(self) -> list[str]:
        """What Hypothesis notes for each draw of a failing example: ``Draw 1 (label): value``."""
        from hypothesis.vendor.pretty import pretty

        return [f"Draw {n}{'' if label is None else f' ({label})'}: {pretty(value)}"
                for n, (label, value) in enumerate(self.drawn, 1)]

    def __repr__(self) -> str:
        return "data(...)"


class Tape:
    """The ``@given`` runs of one cassette: written while recording, read in replay (in order)."""

    def __init__(self, runs: list[list[str]] | None, *, replaying: bool,
                 on_stale: Callable[[str], Any] | None = None) -> None:
        self.replaying = replaying
        #: Called (and expected to raise: a skip naming the record command) when the test needs
        #: what was not recorded.
        self.on_stale = on_stale or _raise_stale
        self.runs: list[list[str]] = [list(r) for r in runs] if runs is not None else []
        self._next = 0

    def metadata(self) -> dict[str, Any]:
        return {"format": FORMAT, "runs": self.runs}

    def record(self, wrapped: Callable[..., Any], names: frozenset[str], args: tuple, kwargs: dict) -> Any:
        """Run Hypothesis as usual; every execution of the body is noted with its values."""
        handle = wrapped.hypothesis
        inner = handle.inner_test
        run: list[str] = []
        self.runs.append(run)

        @functools.wraps(inner)
        def noted(*a: Any, **kw: Any) -> Any:
            execution: dict[str, Any] = {"given": {}, "draws": []}
            for name in names & kw.keys():
                if _is_data(kw[name]):
                    execution["given"][name] = _DATA
                    kw[name] = _RecordingData(kw[name], execution["draws"])
                else:
                    execution["given"][name] = encode(kw[name])
            try:
                return inner(*a, **kw)
            finally:
                run.append(dumps(execution))

        handle.inner_test = noted
        try:
            return wrapped(*args, **kwargs)
        finally:
            handle.inner_test = inner

    def replay(self, wrapped: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        """Call the body once per recorded execution, in order. Every execution runs (the names
        a test makes are counted across them), and the failure raised is the last: where the
        recording failed, the re-run of its minimal example; where today's checks fail answers
        that passed then, the last recorded example they fail (it is not shrunk: a replay
        can send nothing new)."""
        if self._next >= len(self.runs):
            self.on_stale(f"the test runs more Hypothesis tests ({self._next + 1}) than were recorded "
                          f"({len(self.runs)})")
        run = self.runs[self._next]
        self._next += 1
        inner = wrapped.hypothesis.inner_test
        failures: list[BaseException] = []
        for line in run:
            execution = json.loads(line)
            call = {name: _ReplayData(execution["draws"]) if value == _DATA else decode(value)
                    for name, value in execution["given"].items()}
            try:
                with warnings.catch_warnings():  # assume() outside Hypothesis' engine warns only
                    warnings.simplefilter("ignore", hypothesis.errors.HypothesisDeprecationWarning)
                    inner(*args, **kwargs, **call)
                continue
            except hypothesis.errors.UnsatisfiedAssumption:
                continue
            except StaleCassette as exc:
                self.on_stale(str(exc))
            except Exception as exc:  # noqa: BLE001 - a failing example, judged below
                if _is_skip(exc):
                    raise
                failures.append(exc)
            _falsifying(failures[-1], inner, call)
        if failures:
            raise failures[-1]


def _falsifying(exc: BaseException, inner: Callable[..., Any], call: dict[str, Any]) -> None:
    """The notes Hypothesis attaches to a failure (the example, then each draw), so a replayed
    failure reads as the recorded one did."""
    try:
        from hypothesis.vendor.pretty import RepresentationPrinter

        printer = RepresentationPrinter()
        printer.text("Falsifying example: ")
        printer.repr_call(inner.__name__, (), call, force_split=True)
        example = printer.getvalue()
    except Exception:  # noqa: BLE001 - another Hypothesis version: a plainer note
        example = "Falsifying example: " + inner.__name__ + "(" + ", ".join(f"{k}={v!r}" for k, v in call.items()) + ")"
    exc.add_note(example)
    for value in call.values():
        for note in value.notes() if isinstance(value, _ReplayData) else ():
            exc.add_note(note)


def _raise_stale(reason: str) -> None:
    raise StaleCassette(reason)


def _is_data(value: Any) -> bool:
    return isinstance(value, hypothesis.strategies.DataObject)


def _is_skip(exc: BaseException) -> bool:
    import unittest

    import pytest

    return isinstance(exc, (unittest.SkipTest, pytest.skip.Exception))


# ---------------------------------------------------------------- the hook


class _Active:
    tape: Tape | None = None


ACTIVE = _Active()


def given(*args: Any, **strategies: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Hypothesis' ``given``; inside a cassette its runs are recorded, or replayed from it."""
    if args:
        raise TypeError("the conformance suite passes @given strategies by keyword (they are stored by name)")
    real = hypothesis.given(**strategies)
    names = frozenset(strategies)

    def decorate(test: Callable[..., Any]) -> Callable[..., Any]:
        wrapped = real(test)

        @functools.wraps(wrapped)
        def run(*a: Any, **kw: Any) -> Any:
            __tracebackhide__ = True
            for key, value in vars(run).items():  # what @settings set on this wrapper
                if key != "__wrapped__" and getattr(wrapped, key, None) is not value:
                    setattr(wrapped, key, value)
            tape = ACTIVE.tape
            if tape is None:
                return wrapped(*a, **kw)
            if tape.replaying:
                return tape.replay(wrapped, a, kw)
            return tape.record(wrapped, names, a, kw)

        return run

    return decorate


def install(module: Any) -> bool:
    """Route a suite module's ``given`` through :func:`given` (it resolves the name when its
    tests run). Returns whether the module used Hypothesis' own."""
    if getattr(module, "given", None) is hypothesis.given:
        module.given = given
        return True
    return False
