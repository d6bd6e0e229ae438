"""schemathesis against an AWS JSON endpoint: media type, transport, auth and the checks that fit.

The OpenAPI document (:mod:`conformance.openapi`) gives each operation a path of its own;
:class:`AwsJsonAuth` turns each call back into what the protocol expects (``POST /`` with
``X-Amz-Target`` and ``application/x-amz-json-1.1``) and signs it with botocore's SigV4, so
schemathesis' ``case.call(session=...)`` reaches any emulator, or AWS itself.

Which schemathesis checks are honest for AWS JSON (:data:`CHECKS`, with their basis) and which
are not (:data:`EXCLUDED`, with the reason) is data here, so the suite and the documentation
say the same thing.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from . import openapi
from .errors import CheckFailure, UsageError
from .model import SERVICE, service_model

#: Dummy credentials: moto and most emulators accept any signature.
DUMMY_CREDENTIALS = Credentials("testing", "testing", "testing")


@dataclass(frozen=True)
class BridgeCheck:
    name: str
    basis: str
    why: str


#: schemathesis checks that judge an AWS JSON exchange honestly, in the order they run.
CHECKS: dict[str, BridgeCheck] = {
    c.name: c
    for c in (
        BridgeCheck(
            "not_a_server_error", "assumption",
            "a request drawn from the input shape gets no 5xx (AWS answers 5xx only in outages; "
            "a request the backend cannot handle should be a 400)",
        ),
        BridgeCheck(
            "status_code_conformance", "aws-docs",
            "the status is 200 or one AWS lists for JSON-API errors (400, 403, 500, 503)",
        ),
        BridgeCheck(
            "content_type_conformance", "aws-docs",
            "a response with a documented body carries the protocol's media type "
            "(application/x-amz-json-1.1 for SageMaker), as the AWS JSON protocol specifies "
            "(smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html)",
        ),
        BridgeCheck(
            "response_schema_conformance", "model",
            "the body satisfies the output shape (200) or is an AWS JSON error (4xx/5xx), with "
            "the output relaxations listed in conformance.openapi",
        ),
    )
}

#: schemathesis checks left out, and why (REST semantics AWS JSON does not have, or
#: expectations real AWS would fail).
EXCLUDED: dict[str, str] = {
    "positive_data_acceptance": "AWS refuses schema-valid requests on grounds the model cannot "
    "express (a RoleArn that is not assumable, an S3 object that does not exist, TargetDevice vs "
    "Framework); the suite's own 'accepted' check applies the cross-field overlays instead",
    "negative_data_rejection": "only positive data is generated here; invalid input is the "
    "suite's own invalid-input check, whose generator labels the exact violated constraint",
    "response_headers_conformance": "the document declares no response headers (AWS promises "
    "only x-amzn-RequestId), so the check could never apply: silent emptiness",
    "missing_required_header": "no header parameters are declared; X-Amz-Target and the "
    "signature are added by the transport, not generated",
    "unsupported_method": "AWS JSON is POST / for everything; the per-operation paths exist only "
    "in the document, so a 405 expectation has no meaning on the wire",
    "allow_header_conformance": "REST semantics (Allow on 405) that AWS JSON does not have",
    "use_after_free": "stateful REST-resource reasoning over paths; AWS JSON has one path",
    "ensure_resource_availability": "stateful REST-resource reasoning over paths; AWS JSON has "
    "one path",
    "ignored_auth": "needs security schemes; emulators such as moto accept any signature by "
    "design, and SigV4 verification is out of this suite's scope",
    "object_level_authorization": "needs two principals; out of scope for an emulator run",
    "max_response_time": "speed is not part of the API contract",
}

_registered: set[str] = set()


def register_media_type(mtype: str) -> None:
    """Teach schemathesis ``mtype`` (e.g. ``application/x-amz-json-1.1``): JSON on the wire
    both ways. Idempotent. An empty response body reads as ``{}``, as botocore reads it."""
    if mtype in _registered:
        return
    import schemathesis

    @schemathesis.serializer(mtype)
    def _serialize(ctx: Any, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @schemathesis.deserializer(mtype)
    def _deserialize(ctx: Any, response: Any) -> Any:
        content = response.content
        if not content:
            return {}
        return json.loads(content)

    _registered.add(mtype)


class AwsJsonAuth(requests.auth.AuthBase):
    """Rewrites ``POST <base>/<Operation>`` to ``POST <base>/`` with ``X-Amz-Target`` and the
    protocol's content type, then signs with SigV4 (botocore's signer, the same bytes boto3
    would sign). A path that names no operation of the service is a UsageError."""

    def __init__(
        self,
        *,
        service: str = SERVICE,
        region: str = "us-east-1",
        credentials: Credentials | None = None,
    ) -> None:
        self.model = service_model(service)
        self.region = region
        self.credentials = credentials or DUMMY_CREDENTIALS
        self.media_type = openapi.media_type(self.model)
        self.signing_name = self.model.signing_name or self.model.endpoint_prefix

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urllib.parse.urlsplit(request.url or "")
        base, _, name = parts.path.rstrip("/").rpartition("/")
        if name not in self.model.operation_names:
            raise UsageError(f"{request.url}: the path names no {self.model.service_name} operation")
        request.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, base + "/", parts.query, ""))
        request.headers["X-Amz-Target"] = openapi.target(self.model, name)
        request.headers["Content-Type"] = self.media_type
        body = request.body if request.body is not None else b"{}"
        if request.body is None:
            request.prepare_body(b"{}", None)
        for header in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            request.headers.pop(header, None)
        signed = AWSRequest(method=request.method, url=request.url, data=body,
                            headers=dict(request.headers))
        SigV4Auth(self.credentials, self.signing_name, self.region).add_auth(signed)
        for key, value in signed.headers.items():
            request.headers[key] = value
        return request


def http_session(*, service: str = SERVICE, region: str = "us-east-1",
                 credentials: Credentials | None = None, retry: Any = None) -> requests.Session:
    """A ``requests.Session`` that speaks AWS JSON for schemathesis' ``case.call(session=...)``;
    with ``retry`` (the run's :class:`~conformance.exchange.RetryPolicy`) it retries what the
    suite's own calls retry, so a throttle is not judged as the backend's answer."""
    session = _RetryingSession(retry) if retry is not None else requests.Session()
    session.auth = AwsJsonAuth(service=service, region=region, credentials=credentials)
    return session


class _RetryingSession(requests.Session):
    """Sends again while the run's retry policy says so (throttling, 5xx, resets, timeouts)."""

    def __init__(self, retry: Any) -> None:
        super().__init__()
        self.retry = retry

    def send(self, request: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

        from .exchange import THROTTLING

        target = request.headers.get("X-Amz-Target") or ""
        operation = target.split(".", 1)[-1]
        earlier: list[dict[str, Any]] = []
        answered = None  # the server's last answer that was not a throttle
        while True:
            response, exc, stood_for = None, None, None
            try:
                response = super().send(request, **kwargs)
            except requests.Timeout as err:
                exc, stood_for = err, ReadTimeoutError(endpoint_url=request.url)
            except requests.ConnectionError as err:
                exc, stood_for = err, ConnectionClosedError(endpoint_url=request.url)
            code = _error_code(response) if response is not None else None
            delay = self.retry.delay_for(
                operation, len(earlier) + 1, earlier, status=getattr(response, "status_code", None),
                headers=getattr(response, "headers", None), error_code=code, exception=stood_for)
            earlier.append({"status": getattr(response, "status_code", None), "error_code": code,
                            "transport_error": f"{type(stood_for).__name__}: {exc}" if stood_for else None})
            if delay is None:
                if exc is not None:
                    raise exc
                # a budget that ends on a throttle keeps the server's answer, as the Caller does
                return answered if code in THROTTLING and answered is not None else response
            if response is not None and code not in THROTTLING:
                answered = response
            time.sleep(delay)


def _error_code(response: Any) -> str | None:
    if response.status_code < 400:
        return None
    code = response.headers.get("X-Amzn-ErrorType")
    if not code:
        try:
            body = response.json()
        except ValueError:
            return None
        code = body.get("__type") if isinstance(body, dict) else None
    return code.split("#")[-1].split(":")[0] if isinstance(code, str) else None


def load_schema(document: dict[str, Any]) -> Any:
    """The schemathesis schema of ``document``, its media type registered, positive data only."""
    import schemathesis
    from schemathesis import GenerationMode

    mtype = next(
        iter(next(iter(document["paths"].values()))["post"]["requestBody"]["content"]), None
    )
    if mtype:
        register_media_type(mtype)
    schema = schemathesis.openapi.from_dict(document)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    return schema


def check_function(name: str) -> Callable[..., Any]:
    import schemathesis.checks

    if name not in CHECKS:
        raise UsageError(f"schemathesis check {name!r} is not bridged; bridged: {', '.join(CHECKS)}")
    return getattr(schemathesis.checks, name)


def example(case: Any, response: Any, *, body_limit: int = 2000) -> dict[str, Any]:
    """The request as the operation saw it and the response, JSON-able, for report.json."""
    text = response.content.decode("utf-8", "replace") if response.content else ""
    if len(text) > body_limit:
        text = text[:body_limit] + f"... ({len(response.content)} bytes)"
    headers = {k: v[0] if isinstance(v, list) and len(v) == 1 else v
               for k, v in response.headers.items()}
    return {
        "operation": openapi.operation_name(case.path),
        "request": case.body if isinstance(case.body, (dict, list)) else repr(case.body),
        "response": {"status": response.status_code, "headers": headers, "body": text},
        "curl": case.as_curl_command(),
    }


@dataclass
class Sent:
    """One generated case and what came back (``response`` None: no response, see ``error``)."""

    case: Any
    response: Any = None
    error: str | None = None

    @property
    def size(self) -> int:
        return len(json.dumps(self.case.body, default=str)) if self.case.body is not None else 0


def explore(
    schema: Any,
    operation: str,
    *,
    base_url: str,
    session: requests.Session,
    prepare: Callable[[Any], None] | None = None,
    after: Callable[[Any, Any], None] | None = None,
    timeout: float = 30.0,
    hypothesis_settings: Any = None,
) -> list[Sent]:
    """Send positive cases of ``operation`` drawn by schemathesis, under the active Hypothesis
    profile (``hypothesis_settings`` to override). ``prepare(case)`` edits a case before it is
    sent (the run's name prefix goes in here), ``after(case, response)`` sees each answer.

    Nothing is raised inside the Hypothesis run: every check then judges the same exchanges,
    so four checks cost one round of requests, not four (the price: no shrinking; a finding
    reports the smallest failing request seen)."""
    from hypothesis import HealthCheck, given, settings

    api_operation = schema[f"/{operation}"]["POST"]
    sent: list[Sent] = []
    base = hypothesis_settings or settings()
    run_settings = settings(
        base,
        suppress_health_check=list(base.suppress_health_check) + [
            HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )

    @run_settings
    @given(case=api_operation.as_strategy())
    def draw(case: Any) -> None:
        if prepare is not None:
            prepare(case)
        record = Sent(case)
        try:
            record.response = case.call(base_url=base_url, session=session, timeout=timeout)
        except requests.RequestException as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        sent.append(record)
        if after is not None:
            after(case, record.response)

    draw()
    return sent


def _applies(check: str, record: Sent) -> bool:
    """A missing response or a 5xx is judged by not_a_server_error alone: one finding per
    defect, as the suite's own checks do."""
    if check == "not_a_server_error":
        return True
    return record.response is not None and record.response.status_code < 500


def judge(case: Any, response: Any, check: str) -> None:
    """Run one bridged schemathesis check; a finding becomes a CheckFailure for the report."""
    from schemathesis.core.failures import FailureGroup

    func = check_function(check)
    operation = openapi.operation_name(case.path)
    try:
        case.validate_response(response, checks=[func])
    except FailureGroup as group:
        messages = "; ".join(
            " ".join(f"{f.title}: {f.message}".split()).rstrip(": ") for f in group.exceptions
        )
        body = (response.content or b"")[:200].decode("utf-8", "replace")
        raise CheckFailure(
            "schemathesis",
            f"schemathesis {check}: {messages} (HTTP {response.status_code}, body {body!r})",
            operation=operation,
            basis=CHECKS[check].basis,
            example=example(case, response),
        ) from None


def judge_all(sent: list[Sent], check: str) -> int:
    """Judge every exchange with ``check``; raise the CheckFailure of the smallest failing
    request, saying how many failed. Returns how many exchanges the check judged."""
    if not sent:
        raise UsageError("schemathesis generated no case: nothing to judge")
    failures: list[tuple[int, CheckFailure]] = []
    judged = 0
    for record in sent:
        if not _applies(check, record):
            continue
        judged += 1
        if record.response is None:
            failures.append((record.size, CheckFailure(
                "schemathesis", f"schemathesis {check}: no response ({record.error})",
                operation=openapi.operation_name(record.case.path), basis=CHECKS[check].basis,
                example={"operation": openapi.operation_name(record.case.path),
                         "request": record.case.body, "response": None, "error": record.error},
            )))
            continue
        try:
            judge(record.case, record.response, check)
        except CheckFailure as failure:
            failures.append((record.size, failure))
    if failures:
        failures.sort(key=lambda pair: pair[0])
        first = failures[0][1]
        raise CheckFailure(
            "schemathesis",
            f"{first.message} ({len(failures)} of {judged} exchanges failed; the smallest request is shown)",
            operation=first.operation, basis=first.basis, example=first.example,
        )
    return judged


class RunExplorer:
    """One schemathesis round per operation of the compilation-job API against a run's
    backend, shared by that operation's checks (cached per process).

    Safety (DESIGN.md): every name a request carries is the run's own. Create gets a fresh
    prefixed name; Describe, Stop and Delete name a job this run created (Stop and Delete a
    fresh one per call); List filters by the run's prefix. Jobs created are handed to the
    session's cleanup."""

    def __init__(self, session: Any, *, hypothesis_settings: Any = None) -> None:
        backend = session.backend
        if not backend.endpoint:
            raise UsageError("schemathesis needs an HTTP endpoint (--backend server)")
        self.session = session
        self.base_url = backend.endpoint
        self.schema = load_schema(openapi.build_document(server_url=self.base_url))
        self.http = http_session(region=backend.options.region, retry=session.caller.retry)
        self.timeout = backend.options.read_timeout
        self.hypothesis_settings = hypothesis_settings
        self.rounds: dict[str, list[Sent]] = {}

    def sent(self, operation: str) -> list[Sent]:
        if operation not in self.rounds:
            prepare, after = self._hooks(operation)
            self.rounds[operation] = explore(
                self.schema, operation, base_url=self.base_url, session=self.http,
                prepare=prepare, after=after, timeout=self.timeout,
                hypothesis_settings=self.hypothesis_settings,
            )
        return self.rounds[operation]

    def _own_job(self) -> str:
        """A fresh job of this run or, when the backend refuses to create one, a name of this
        run that does not exist (the call is then judged on its error answer)."""
        from .scenarios import FOUNDING_CREATE, setup_job

        try:
            sent, _ = setup_job(self.session, FOUNDING_CREATE, hint="st")
        except CheckFailure:
            return self.session.new_name("st-missing")
        return sent["CompilationJobName"]

    def _hooks(self, operation: str) -> tuple[Callable[[Any], None], Callable[[Any, Any], None]]:
        session = self.session
        described: list[str] = []

        def prepare(case: Any) -> None:
            body = dict(case.body) if isinstance(case.body, dict) else {}
            if operation == "CreateCompilationJob":
                body["CompilationJobName"] = session.new_name("st")
                session.sending_create(body["CompilationJobName"])
            elif operation == "ListCompilationJobs":
                body["NameContains"] = session.prefix
            elif operation == "DescribeCompilationJob":
                if not described:
                    described.append(self._own_job())
                body["CompilationJobName"] = described[0]
            elif "CompilationJobName" in body or operation in ("StopCompilationJob", "DeleteCompilationJob"):
                body["CompilationJobName"] = self._own_job()
            case.body = body

        def after(case: Any, response: Any) -> None:
            name = case.body.get("CompilationJobName")
            if operation == "CreateCompilationJob" and response is not None and 400 <= response.status_code < 500:
                session.refused(name)  # no job to clean up
            if response is None or not 200 <= response.status_code < 300:
                return
            if operation == "CreateCompilationJob":
                session.accepted_elsewhere(name, case.body, time.time() - getattr(response, "elapsed", 0.0))
            elif operation == "DeleteCompilationJob":
                session.deleted(name)

        return prepare, after
