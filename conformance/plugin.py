"""The pytest plugin (entry point ``pytest11: conformance``).

Options in one group, safe defaults (backend moto, record mode none), fixtures a user can
override, and the result book that turns test outcomes into report.json. Heavy imports
(boto3, moto, vcrpy) happen inside fixtures, when a conformance test first needs them.

Installed, the plugin is in every pytest session of the environment, so it only registers its
options and markers unless the conformance suite is what runs (see :func:`suite_requested`):
another project's Hypothesis profile, settings and exit code are left alone.
"""

from __future__ import annotations

import importlib.util
import time
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings

from .errors import Blocked, CheckFailure, NothingToJudge, UsageError

#: No "explain" phase: it re-runs a failing test many times to annotate which draws
#: matter, which costs a backend round trip per run (tens of seconds per finding).
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
PROFILES = {
    # Same verdicts on every run: derandomized, no example database, bounded examples.
    "ci": dict(max_examples=10, derandomize=True, database=None, deadline=None, print_blob=True),
    "dev": dict(max_examples=20, deadline=None, print_blob=True),
    "thorough": dict(max_examples=200, deadline=None, print_blob=True),
}
for _name, _kw in PROFILES.items():
    settings.register_profile(
        _name,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        phases=_PHASES,
        **_kw,
    )
del _name, _kw

_RESULT_KEY = "conformance_result"
_NOTE_KEY = "conformance_note"
_CASSETTE_KEY = "conformance_cassette"
_STATE_KEY = "conformance_run_wide"
_FLAKY_KEY = "conformance_flaky"
_SETTINGS = pytest.StashKey[dict]()

#: The suite's own tests: collecting from here (or from a folder pytest recurses into it from)
#: is what asks for the conformance run.
SUITE_DIR = Path(__file__).resolve().parent / "suite"
#: Destinations of this plugin's options: any of them given asks for the conformance run too.
_OPTIONS = ("backend", "endpoint_url", "region", "report_dir", "cassette_dir", "read_timeout",
            "poll_budget", "max_live_jobs", "max_attempts", "mask_account", "since")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "SageMaker compilation-job conformance")
    group.addoption("--backend", choices=("moto", "server", "aws"), default=None,
                    help="backend to judge: moto (in-process, default), server (HTTP emulator), "
                         "aws (real API through vcrpy cassettes)")
    group.addoption("--endpoint-url", default=None, metavar="URL",
                    help="emulator URL for --backend server; without it moto's server is started "
                         "on a free loopback port")
    group.addoption("--region", default=None, help="AWS region (default us-east-1)")
    group.addoption("--report-dir", default=None, metavar="DIR",
                    help="write report.json and report.md of the conformance results to DIR")
    group.addoption("--cassette-dir", default=None, metavar="DIR",
                    help="where --backend aws keeps cassettes (default cassettes/)")
    group.addoption("--read-timeout", default=None, type=float, metavar="SECONDS",
                    help="read timeout per attempt (default 2 for moto and server, 30 for aws); a "
                         "timed-out attempt is retried, so a hanging backend costs a verdict, not the run")
    group.addoption("--poll-budget", default=None, type=float, metavar="SECONDS",
                    help="how long a scenario may poll one job for a status (default 60; real "
                         "compilation jobs take minutes); reported as poll_budget_s")
    group.addoption("--max-live-jobs", default=None, type=int, metavar="N",
                    help="jobs of the run alive at once at most (default 10; 0: no bound): a Create "
                         "beyond it waits; reported as max_live_jobs")
    group.addoption("--max-attempts", default=None, type=int, metavar="N",
                    help="attempts per call, retries included (default 8; throttling, 5xx, resets and "
                         "timeouts are retried, see README)")
    group.addoption("--mask-account", action="store_true", default=None,
                    help="--backend aws recording: write account ids in ARNs as 123456789012")
    group.addoption("--since", default=None, metavar="SERVICE_JSON",
                    help="an older botocore service-2.json[.gz]: add checks aimed at what changed "
                         "since (suite/test_delta.py; not collected without this option)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "conformance(check, case, operation=None, basis=None, backends=None): a conformance "
        "result with id Operation/check/case, written to the report; basis overrides the "
        "registered check's; backends (kinds) deselects the test on other backends",
    )
    if not suite_requested(config):
        return  # another project's session: no profile, no settings, no results, no report
    from . import config as settings_mod

    cli = {
        "backend": config.getoption("backend"),
        "endpoint_url": config.getoption("endpoint_url"),
        "region": config.getoption("region"),
        # --record-mode is pytest-recording's option; we read it, we do not redefine it.
        "record_mode": config.getoption("record_mode", default=None),
        "report_dir": config.getoption("report_dir"),
        "cassette_dir": config.getoption("cassette_dir"),
        "max_attempts": config.getoption("max_attempts"),
        "read_timeout": config.getoption("read_timeout"),
        "poll_budget": config.getoption("poll_budget"),
        "max_live_jobs": config.getoption("max_live_jobs"),
    }
    try:
        resolved = settings_mod.resolve(cli, Path(config.rootpath))
        _options(resolved).validate()
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_SETTINGS] = resolved
    if config.getoption("since", default=None):
        from .model import OPERATIONS
        from .modeldiff import since

        try:  # unreadable, or nothing to aim at: one line, exit 2
            since(config.getoption("since"), OPERATIONS)
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    if not config.getoption("hypothesis_profile", default=None):
        settings.load_profile("dev")
    if resolved["backend"] == "aws":
        from . import cassettes

        try:
            cassettes.configure(config, resolved)
        except NothingToJudge as exc:  # not a bad flag, yet never a green run: exit 2
            pytest.exit(f"conformance: {exc}", returncode=2)
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(ResultCollector(config), "conformance-results")
    config.pluginmanager.register(NothingJudgedGuard(config), "conformance-nothing-judged")


def suite_requested(config: pytest.Config) -> bool:
    """Whether this session runs the conformance suite: one of this plugin's options was given,
    or pytest collects from the suite's folder, from inside it, or from a folder pytest would
    recurse into it from. Decided before collection, so the suite's modules are imported
    under its profile and settings, as ever."""
    if any(config.getoption(name, default=None) is not None for name in _OPTIONS):
        return True
    for arg in config.args:
        path = _arg_path(arg, Path(config.invocation_params.dir), bool(config.option.pyargs))
        if path is None:
            continue
        if path == SUITE_DIR or SUITE_DIR in path.parents:
            return True
        if path in SUITE_DIR.parents and _recurses_into(config, path, SUITE_DIR):
            return True
    return False


def _arg_path(arg: str, invoked: Path, pyargs: bool) -> Path | None:
    """The file or folder a pytest argument (``path[::node]``, or a module with --pyargs) names."""
    name = str(arg).split("::", 1)[0]
    path = (invoked / name).resolve()
    if path.exists() or not pyargs:
        return path
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    located = list(spec.submodule_search_locations or ()) or [spec.origin]
    return Path(located[0]).resolve() if located[0] else None


def _recurses_into(config: pytest.Config, start: Path, target: Path) -> bool:
    """Whether collecting ``start`` reaches ``target``: no folder between them is one pytest
    ignores (norecursedirs, --ignore, a virtualenv, collect_ignore)."""
    for folder in reversed([target, *target.parents[: len(target.parents) - len(start.parents) - 1]]):
        if config.hook.pytest_ignore_collect(collection_path=folder, config=config):
            return False
    return True


def pytest_report_header(config: pytest.Config) -> str | None:
    """Where the run goes and with what, as resolved (flag > pyproject > environment > default)."""
    if _SETTINGS not in config.stash:
        return None
    resolved = config.stash[_SETTINGS]
    from .config import DEFAULTS

    return "conformance: " + " ".join(f"{key}={resolved[key]}" for key in DEFAULTS)


_DELTA_MODULE = Path(__file__).resolve().parent / "suite" / "test_delta.py"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The suite's delta checks exist only with ``--since``: absent, not skipped, without it."""
    if collection_path.name == _DELTA_MODULE.name and not config.getoption("since", default=None):
        if collection_path.resolve() == _DELTA_MODULE:
            return True
    return None


def _options(resolved: dict[str, Any]):
    from .backends import BackendOptions

    return BackendOptions(
        kind=resolved["backend"],
        endpoint=resolved["endpoint_url"],
        region=resolved["region"],
        record_mode=resolved["record_mode"],
        max_attempts=resolved["max_attempts"],
        read_timeout=resolved["read_timeout"],
        cassette_dir=resolved["cassette_dir"],
    )


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def conformance_settings(pytestconfig: pytest.Config) -> dict[str, Any]:
    """Resolved settings (flag > pyproject > environment > default)."""
    if _SETTINGS not in pytestconfig.stash:
        pytest.exit("conformance: the conformance fixtures need the conformance suite or one of "
                    "its options (e.g. --backend moto)", returncode=2)
    return dict(pytestconfig.stash[_SETTINGS])


@pytest.fixture(scope="session")
def conformance_backend(conformance_settings: dict[str, Any]) -> Iterator[Any]:
    """The started backend for this session. Override to judge a backend of your own."""
    from .backends import open_backend

    try:
        with open_backend(_options(conformance_settings)) as backend:
            yield backend
    except UsageError as exc:
        pytest.exit(f"conformance: {exc}", returncode=2)


@pytest.fixture(scope="session")
def conformance_session(conformance_backend: Any, conformance_settings: dict[str, Any],
                        pytestconfig: pytest.Config) -> Iterator[Any]:
    """One RunSession: a caller, the run's name prefix, and cleanup of its jobs."""
    from .checks.clauses import JUDGED, WireClauses
    from .exchange import RetryCounter
    from .session import RunSession

    session = RunSession(conformance_backend)
    session.poll_budget = float(conformance_settings.get("poll_budget", session.poll_budget))
    session.waiting.max_live_jobs = _live_share(
        int(conformance_settings.get("max_live_jobs", session.waiting.max_live_jobs)), pytestconfig)
    wire = WireClauses(JUDGED)
    retries = RetryCounter()
    session.caller.observers += [wire, retries]
    try:
        yield session
    finally:
        session.cleanup()
        collector = pytestconfig.pluginmanager.get_plugin("conformance-results")
        if collector is not None:
            collector.session_state({"wire": wire.state(), "isolation": session.isolation_state(),
                                     "waiting": session.waiting.stats(), "retries": retries.state()})


def _live_share(max_live_jobs: int, config: pytest.Config) -> int:
    """This process's share of the run's live-job bound: pytest-xdist workers share the account,
    so each gets an equal part (at least one). Asked of xdist's own worker input, not of the
    environment, which a run started from inside a worker (a test of this project) inherits."""
    workerinput = getattr(config, "workerinput", None)
    workers = int(workerinput.get("workercount") or 1) if isinstance(workerinput, dict) else 1
    return max(1, max_live_jobs // workers) if max_live_jobs else 0


@pytest.fixture(autouse=True)
def conformance_cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    """``--backend aws``: each conformance test runs inside its own cassette (replayed, or
    recorded with ``--record-mode``); without one in replay, the test is skipped naming the
    record command. Elsewhere: nothing."""
    if _SETTINGS not in request.config.stash:  # not a conformance session
        yield None
        return
    from . import cassettes

    manager = cassettes.manager(request.config)
    if manager is None or not (request.node.get_closest_marker("conformance")
                               or "conformance_session" in request.fixturenames):
        yield None
        return
    manager.session = request.getfixturevalue("conformance_session")
    name = cassettes.cassette_name(request.node.nodeid)
    try:  # pytest-recording's shareable vcrpy configuration, when that plugin is active
        user_config = request.getfixturevalue("vcr_config")
    except pytest.FixtureLookupError:
        user_config = {}
    with manager.use(name, scope=name, user_config=user_config, keep_empty=True,
                     record=lambda entry: request.node.user_properties.append((_CASSETTE_KEY, entry))
                     ) as cassette:
        yield cassette


@pytest.fixture(autouse=True)
def _conformance_origin(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tell the session which result is being judged: a job that breaks later calls is
    reported with the result whose test created it."""
    if "conformance_session" not in request.fixturenames:
        yield
        return
    session = request.getfixturevalue("conformance_session")
    identity = _identity(request.node)
    session.current_test = "/".join(identity) if identity else request.node.nodeid
    yield
    session.current_test = None


@pytest.fixture
def conformance_note(request: pytest.FixtureRequest):
    """Record a fidelity note: the backend differs from AWS without breaking the contract."""

    def note(note_id: str, message: str, operation: str | None = None) -> None:
        request.node.user_properties.append(
            (_NOTE_KEY, {"id": note_id, "operation": operation, "message": message})
        )

    return note


# ---------------------------------------------------------------- results


def _identity(item: pytest.Item) -> tuple[str, str, str] | None:
    marker = item.get_closest_marker("conformance")
    if marker is None:
        return None
    params = getattr(getattr(item, "callspec", None), "params", {})
    operation = marker.kwargs.get("operation") or params.get("operation")
    check = marker.kwargs.get("check") or params.get("check")
    case = marker.kwargs.get("case") or params.get("case") or "default"
    if not operation or not check:
        raise UsageError(f"{item.nodeid}: conformance marker needs operation and check")
    return str(operation), str(check), str(case)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (visibly: pytest counts them) tests marked for other backends only."""
    if _SETTINGS not in config.stash:  # not a conformance session
        return
    kind = config.stash[_SETTINGS]["backend"]
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("conformance")
        backends = marker.kwargs.get("backends") if marker else None
        (drop if backends and kind not in backends else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _failures(exc: BaseException) -> list[CheckFailure]:
    if isinstance(exc, CheckFailure):
        return [exc]
    if isinstance(exc, BaseExceptionGroup):
        return [f for sub in exc.exceptions for f in _failures(sub)]
    return []


def _basis(check: str) -> str | None:
    from .checks import REGISTRY

    found = REGISTRY.get(check)
    return found.basis if found else None


def _throttled_out(failure: CheckFailure) -> bool:
    """Judged on a throttle that a call kept after its whole budget: no answer to judge (a
    throttle says "slow down", nothing of the request)."""
    from .exchange import THROTTLING

    response = failure.example.get("response") if isinstance(failure.example, dict) else None
    return isinstance(response, dict) and response.get("error_code") in THROTTLING


def _blocked(exc: BaseException | None, own_check: str) -> tuple[str, str] | None:
    """``(blocked_by, message)`` when a test could not judge its own clause because of
    another's: the run removed a job it needed (Blocked), a call had no answer (Blocked, see
    :func:`pytest_runtest_call`; a call throttled on every attempt had none either), or a
    server error in its setup, which ``no-server-error`` reports once per operation for every
    exchange of the run."""
    from .checks.clauses import single_id

    if exc is None:
        return None
    if isinstance(exc, Blocked):
        return exc.blocked_by, exc.message
    if isinstance(exc, BaseExceptionGroup):
        inner = [b for e in exc.exceptions if (b := _blocked(e, own_check))]
        return inner[0] if inner and len(inner) == len(exc.exceptions) else None
    if isinstance(exc, CheckFailure) and exc.check == "no-server-error" != own_check and exc.operation:
        return single_id(exc.operation, "no-server-error"), exc.message.splitlines()[0]
    if isinstance(exc, CheckFailure) and exc.operation and _throttled_out(exc):
        return single_id(exc.operation, "no-server-error"), f"no answer to judge: {exc.message.splitlines()[0]}"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Transient faults are not findings. A conformance test that

    - failed after one of its exchanges met a transient sign (a retry, no response, a 2xx
      that is not JSON), or passed with a call left unanswered, is run once more: when it
      holds then, its result is ``flaky`` (``passed`` if it had not failed), with the first
      failure; a persistent fault fails both runs and stays a finding; when both fail, the
      verdict is the second run's, judged without the first's transient (a List throttled
      out in the first is not what the test fails for when the second is blocked by a
      persistent 500), unless the second met a transient sign too;
    - had a call left unanswered (after every retry) in both runs, or kept from being sent by
      the breaker, is ``blocked`` by that operation's ``no-server-error``, where the timeouts
      and resets are judged: a check with no answer to judge has judged nothing.

    A failure without a transient sign is not run again."""
    caller = _caller(item)
    if caller is None:
        return (yield)
    mark = caller.mark()
    try:
        first: BaseException | None = None
        yield
    except BaseException as exc:  # noqa: BLE001 - re-raised below unless it held when run again
        first = exc
    unanswered, unsteady = caller.since(mark)
    failures = _failures(first) if first is not None else []
    if unanswered and unanswered[0].blocked:
        return _unanswered(unanswered[0], first)
    if not unanswered and (first is None or not failures or not unsteady):
        if first is not None:
            raise first
        return None
    mark = caller.mark()
    second: BaseException | None = None
    try:
        item.runtest()
    except BaseException as exc:  # noqa: BLE001
        second = exc
    again, unsteady_again = caller.since(mark)
    if again:
        return _unanswered(again[0], first or second)
    if second is not None:
        raise (first if first is not None and unsteady_again else second) from None
    if failures:
        item.user_properties.append((_FLAKY_KEY, {
            "message": failures[0].message, "example": failures[0].example, "unsteady_exchanges": unsteady}))
    return None


def _no_answer_id(exchange: Any) -> str:
    from .checks.clauses import single_id

    return single_id(exchange.operation, "no-server-error")


def _unanswered(exchange: Any, first: BaseException | None) -> None:
    """Blocked by the operation's no-server-error: the test had no answer to judge."""
    raise Blocked(_no_answer_id(exchange), exchange.describe()) from first


def _caller(item: pytest.Item) -> Any:
    """The session's Caller when this is a conformance test that uses it, else None."""
    if _identity(item) is None or "conformance_session" not in getattr(item, "fixturenames", ()):
        return None
    try:
        return item._request.getfixturevalue("conformance_session").caller  # type: ignore[attr-defined]
    except (pytest.FixtureLookupError, AttributeError):
        return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    identity = _identity(item)
    if identity is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed) or (
        report.when == "teardown" and report.failed
    ):
        operation, check, case = identity
        result: dict[str, Any] = {
            "id": f"{operation}/{check}/{case}",
            "operation": operation,
            "check": check,
            "outcome": "passed",
            "message": None,
            "duration_s": round(report.duration, 4),
            "basis": item.get_closest_marker("conformance").kwargs.get("basis") or _basis(check),
        }
        flaky = [v for k, v in item.user_properties if k == _FLAKY_KEY]
        if report.passed and report.when == "call" and flaky:
            result["outcome"] = "flaky"
            result["message"] = f"failed once, held when run again: {flaky[-1]['message']}"
            result["flaky"] = flaky[-1]
            if flaky[-1]["example"] is not None:
                result["example"] = flaky[-1]["example"]
        elif report.skipped:
            result["outcome"] = "skipped"
            longrepr = report.longrepr
            result["message"] = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        elif report.failed and (blocked := _blocked(call.excinfo.value if call.excinfo else None, check)):
            blocked_by, message = blocked
            result.update(outcome="skipped", message=f"blocked by {blocked_by}: {message}", blocked_by=blocked_by)
            # pytest shows it as what it is: not judged here, judged (and failed) where it is caused
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"blocked by {blocked_by}")
        elif report.failed:
            failures = _failures(call.excinfo.value) if call.excinfo else []
            if failures and report.when == "call":
                first = failures[0]
                result["outcome"] = "failed"
                # Hypothesis attaches the minimal example (a state machine's steps) as notes.
                notes = [n for n in getattr(call.excinfo.value, "__notes__", None) or getattr(first, "__notes__", None) or []
                         if not n.lstrip().startswith("You can reproduce")]
                result["message"] = "\n".join([f.message for f in failures] + notes)
                result["basis"] = first.basis or result["basis"]
                if first.example is not None:
                    result["example"] = first.example
            else:
                result["outcome"] = "error"
                exc = call.excinfo.value if call.excinfo else None
                result["message"] = (
                    f"{report.when} crashed: {type(exc).__name__}: {exc}" if exc else report.longreprtext
                )[:4000]
        report.user_properties.append((_RESULT_KEY, result))


def _with_lines(tb: TracebackType | None) -> TracebackType | None:
    """The traceback without its entries whose line number Python lost."""
    kept = []
    while tb is not None:
        if tb.tb_lineno is not None:
            kept.append(tb)
        tb = tb.tb_next
    for entry, after in zip(kept, [*kept[1:], None]):
        entry.tb_next = after
    return kept[0] if kept else None


class ResultCollector:
    """Gathers results on the controller (xdist workers ship them in user_properties) and
    writes the report at the end of the session, also after a failure or Ctrl-C."""

    def __init__(self, config: pytest.Config) -> None:
        from .reports import ResultBook

        self.config = config
        self.book = ResultBook()
        self.started_at = datetime.now(timezone.utc)
        self.t0 = time.perf_counter()
        self.written: tuple[dict[str, int], list[Path]] | None = None
        self.cassettes: list[dict[str, Any]] = []
        #: run-wide verdicts, one state per process (this one, or each xdist worker)
        self.states: list[dict[str, Any]] = []

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # The ci profile promises the same verdicts on every run: also across edits of any
        # literal in the project, which Hypothesis' "local constants" pool would feed in.
        if settings.get_current_profile_name() == "ci":
            from .cassettes import without_local_constants

            without_local_constants()

    @pytest.hookimpl(wrapper=True)
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Iterator[None]:
        """Python 3.11 can give a Ctrl-C a traceback entry without a line number, which pytest's
        terminal cannot render: the TypeError it raises would escape the session, leave the
        report unmarked as partial and end the run with exit 1. Such entries are dropped first."""
        exc: BaseException | None = excinfo.value
        seen: set[int] = set()
        while exc is not None and id(exc) not in seen:  # the chain pytest renders too
            seen.add(id(exc))
            exc.__traceback__ = _with_lines(exc.__traceback__)
            exc = exc.__cause__ or exc.__context__
        if excinfo.value.__traceback__ is not None:
            excinfo.traceback = type(excinfo.traceback)(excinfo.value.__traceback__)
        return (yield)

    def session_state(self, state: dict[str, Any]) -> None:
        """The run-wide verdicts of one process (wire clauses, isolation), at its session's end."""
        self.states.append(state)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """pytest-xdist: a worker's run-wide verdicts arrive with its last message."""
        state = getattr(node, "workeroutput", {}).get(_STATE_KEY)
        if state:
            self.states.extend(state)

    def _run_wide_results(self) -> None:
        from .checks import clauses

        if not self.states:
            return
        wire = clauses.merge((s["wire"] for s in self.states),
                             clauses.culprit_windows(s["isolation"] for s in self.states))
        # A run narrowed with -k/-m reports the wire clauses its exchanges exercised; a full
        # run reports every clause of the model (those no exchange reached as skipped).
        narrowed = bool(self.config.getoption("keyword", None) or self.config.getoption("markexpr", None))
        for result in clauses.results(wire):
            if not (narrowed and result["outcome"] == "skipped"):
                self.book.add(result)
        for note in wire["notes"].values():
            self.book.note(note)
        self.book.add(clauses.isolation_result([s["isolation"] for s in self.states]))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == _RESULT_KEY:
                self.book.add(value)
            elif key == _NOTE_KEY:
                self.book.note(value)
            elif key == _CASSETTE_KEY:
                self.cassettes.append(value)

    @pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down (also on Ctrl-C)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if hasattr(self.config, "workerinput"):  # pytest-xdist worker: the controller writes
            self.config.workeroutput[_STATE_KEY] = self.states
            return
        self._run_wide_results()
        resolved = self.config.stash[_SETTINGS]
        if not resolved.get("report_dir"):
            return
        from . import reports as report_mod

        backend = {
            "kind": resolved["backend"],
            "endpoint": resolved["endpoint_url"],
            "record_mode": resolved["record_mode"] if resolved["backend"] == "aws" else None,
        }
        extra: dict[str, Any] = {"poll_budget_s": resolved["poll_budget"], "max_live_jobs": resolved["max_live_jobs"],
                                 "max_attempts": resolved["max_attempts"]}
        if self.states:
            from .exchange import add_up

            # Each worker its own poller with its share of the bound: shares and peaks of live
            # jobs add up, since the workers' jobs live side by side.
            extra["waiting"] = add_up(s.get("waiting") for s in self.states)
            extra["retries"] = dict(sorted(add_up(s.get("retries") for s in self.states).items()))
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            extra["interrupted"] = True  # a partial report: the results finished before Ctrl-C
        if resolved["backend"] == "aws":
            from . import cassettes

            extra["cassettes"] = cassettes.report_section(self.config, self.cassettes)
        data = report_mod.build(self.book, backend=backend, started_at=self.started_at,
                                duration_s=time.perf_counter() - self.t0, extra=extra)
        self.written = (data["summary"], report_mod.write(data, Path(resolved["report_dir"])))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.written:
            return
        summary, written = self.written
        terminalreporter.write_sep("-", "conformance report")
        terminalreporter.write_line(
            f"conformance: {summary['passed']} passed, {summary['failed']} failed, "
            f"{summary['skipped']} skipped, {summary['error']} error"
        )
        for path in written:
            terminalreporter.write_line(f"  {path}")


class NothingJudgedGuard:
    """A run whose every conformance result was skipped judged nothing (no cassette matched,
    every test deselected but one skip): it ends with exit code 2, never 0, so a gate cannot
    take it for a green run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, int] = {}
        self.refused = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == _RESULT_KEY:
                self.outcomes[value["outcome"]] = self.outcomes.get(value["outcome"], 0) + 1

    def nothing_judged(self) -> bool:
        return bool(self.outcomes) and set(self.outcomes) == {"skipped"}

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if hasattr(self.config, "workerinput"):  # pytest-xdist worker: the controller decides
            return
        if exitstatus == pytest.ExitCode.OK and self.nothing_judged():
            session.exitstatus = pytest.ExitCode.INTERRUPTED  # 2, as `conformance run`
            self.refused = True

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.refused:
            terminalreporter.write_line(
                f"conformance: error: nothing was judged: all {self.outcomes['skipped']} "
                "conformance results were skipped (exit code 2)")
