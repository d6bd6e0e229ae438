"""The pytest side of ``--backend aws``: one vcrpy instance per session, each test (and each
higher-scoped fixture) in its own cassette, names scoped per test, the ``ci`` profile forced, and
a request the cassette cannot answer turned into a skip naming the record command."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from . import replay
from .matching import MATCH_ON, match_amz_target, match_aws_json_body
from .provenance import (FIXTURE_DIR, METADATA_KEY, RECORD_AWS_COMMAND, RECORD_FIXTURES_COMMAND, SUFFIX,
                         RecordingConfig, _relative, recording_config, require_cassettes, resource_transform,
                         summarise)
from .scrubbing import DROP_REQUEST_HEADERS, mask_accounts, scrub_request, scrub_response


# ---------------------------------------------------------------- the session's manager


class _Miss:
    """What the botocore hook needs to turn an unrecorded request into a skip."""

    cassette: str | None = None
    missed: bool = False
    #: The cassette of the last stale skip, until the test's report is made.
    stale: str | None = None


_ACTIVE = _Miss()


def instrument(client: Any) -> None:
    """Make a request the active cassette cannot answer a skip that names the operation and the
    record command, not an HTTPClientError deep in a check (botocore ``needs-retry`` event)."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"needs-retry.{service}", _on_needs_retry)


def _on_needs_retry(caught_exception: BaseException | None = None, operation: Any = None, **_: Any) -> None:
    if caught_exception is None or _ACTIVE.cassette is None:
        return
    missed = unmatched(caught_exception, operation)
    if missed:
        _stale(_ACTIVE.cassette, missed)


def unmatched(caught_exception: BaseException | None, operation: Any) -> str | None:
    """``has no recorded <Operation> matching this request (<why>)`` when botocore caught
    vcrpy's refusal of a request the cassette does not hold, else None."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    inner = getattr(caught_exception, "kwargs", {}).get("error")
    if not isinstance(inner, CannotOverwriteExistingCassetteException):
        return None
    name = getattr(operation, "name", "a request")
    why = next((line.strip() for line in str(inner).splitlines() if "closest" in line), "")
    why = why[why.find("(") + 1: why.rfind(")")] if "(" in why else "it holds none"
    return f"has no recorded {name} matching this request ({why})"


def _stale(shown: str, why: str) -> None:
    """Skip the test: its cassette lacks what the test now sends or draws (a new case, a check
    that sends more). Noted, so the report tells a stale cassette from a backend's answer."""
    _ACTIVE.missed = True
    _ACTIVE.stale = shown
    pytest.skip(
        f"stale cassette: {shown} {why}; "
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

    def cassette_kwargs(self, user: dict[str, Any] | None = None) -> dict[str, Any]:
        """vcrpy's ``use_cassette`` arguments: record mode, scrubbing, matching (also the sweep's)."""
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
        from .. import __version__
        from ..model import botocore_version

        entry: dict[str, Any] = {
            "recorded_against": self.config.recorded_against,
            "recorded_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "botocore": botocore_version(),
            "suite": __version__,
            "region": self.config.region,
            "record_mode": self.config.record_mode,
            "account_masked": bool(self.config.masked_accounts),
            "format": replay.FORMAT,
        }
        if self.config.resources:
            resources = dict(self.config.resources)
            resources = {k: mask_accounts(v, self.config.masked_accounts) for k, v in resources.items()}
            entry["resources"] = resources
        return entry

    # one cassette ----------------------------------------------------------------

    def _tape(self, cassette: Any, shown: str) -> replay.Tape | None:
        """What drives the ``@given`` runs inside this cassette: a new tape when recording, the
        recorded one in replay; None for a cassette of format 1 (its tests draw again, as they
        were recorded, and match only while the drawn requests are byte-identical)."""
        if not self.config.replaying:
            return replay.Tape(None, replaying=False)
        stored = (cassette._metadata or {}).get(replay.DRAWS_KEY)
        if stored is None:
            return None
        return replay.Tape(stored["runs"], replaying=True, on_stale=lambda why: _stale(shown, why))

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
        outer, outer_tape = _ACTIVE.cassette, replay.ACTIVE.tape
        with self.vcr.use_cassette(str(path), **self.cassette_kwargs(user_config)) as cassette:
            loaded = dict((cassette._metadata or {}).get(METADATA_KEY) or {})
            replay.ACTIVE.tape = tape = self._tape(cassette, shown)
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
                _ACTIVE.cassette, replay.ACTIVE.tape = outer, outer_tape
                if backend is not None:
                    backend.request_transform = saved_transform
                state = "unmatched" if _ACTIVE.missed else "replayed"
                _ACTIVE.missed = False
                if keep_empty and not self.config.replaying and not path.is_file():
                    cassette.dirty = True
                if cassette.dirty:
                    # vcrpy keeps metadata next to the interactions; get_metadata never
                    # overwrites, and a re-recording must say when it was made.
                    cassette._metadata = {**(cassette._metadata or {}), METADATA_KEY: self.provenance(),
                                          replay.DRAWS_KEY: tape.metadata()}
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
        # A recording draws derandomized, with no example database and bounded counts (and a
        # cassette of format 1 replays only by drawing the same again). A cassette of format 2
        # replays its recorded draws whatever the profile. Loaded after every pytest_configure.
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

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        """Every suite module's ``given`` records its runs into the cassette, or replays them."""
        for module in {getattr(item, "module", None) for item in items} - {None}:
            replay.install(module)

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outermost: after the result is made
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Iterator[None]:
        """A result skipped for a stale cassette says so (``stale_cassette``): the cassette, not
        the backend, is what must change."""
        outcome = yield
        report = outcome.get_result()
        stale, _ACTIVE.stale = _ACTIVE.stale, None
        if report.skipped and not stale:  # a fixture's stale skip, cached by pytest for each test
            found = _STALE.search(str(report.longrepr))
            stale = found.group(1) if found else None
        if stale and report.skipped:
            for key, value in report.user_properties:
                if key == _RESULT_KEY and value.get("outcome") == "skipped":
                    value["stale_cassette"] = stale

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



#: A stale skip's message names the cassette (see _stale).
_STALE = re.compile(r"stale cassette: (.+?\.yaml) ")
#: The plugin's key for a result in a report's user_properties (conformance.plugin).
_RESULT_KEY = "conformance_result"
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
