"""An OpenAPI 3 document of AWS JSON-protocol operations, built from the botocore model.

AWS JSON (``awsJson1_0``/``awsJson1_1``) is RPC: every call is ``POST /`` with the operation in
``X-Amz-Target``. OpenAPI cannot say that, so the document gives each operation a path of its
own (``POST /CreateCompilationJob``) and :mod:`conformance.schemathesis_bridge` rewrites each
call back to ``POST /`` + ``X-Amz-Target`` and signs it. The document is what schemathesis (or
any OpenAPI tool) needs to generate requests and judge responses:

- ``requestBody``: the JSON Schema of the input shape, with everything the model says:
  ``required``, enums, string lengths and patterns, numeric ranges, list and map sizes,
  ``additionalProperties: false`` (the model declares every member a request may carry).
  Timestamps are epoch-second numbers (the protocol's encoding), bounded to years 1970-9999,
  the range a timestamp can name. Integers are bounded by their width (int32/int64).
- ``200``: the JSON Schema of the output shape; ``400``/``403``/``500``/``503``: the AWS
  JSON error body, the statuses AWS's common-errors page lists for JSON APIs (aws-docs). The
  body must carry a string ``__type`` and a message (``message`` or ``Message``): SageMaker's
  error bodies do (observed-aws, and the suite's ``error-contract`` check asks the same). The
  awsJson protocol would also let a service name the error only in ``X-Amzn-Errortype``; a
  backend doing so fails here, as it does ``error-contract``. A 5xx being documented does not make it welcome: schemathesis'
  ``not_a_server_error`` still fails it; ``status_code_conformance`` fails a status AWS never
  sends.
- The request and response media type is ``application/x-amz-json-1.1`` (or ``1.0``), as the
  protocol sends it; the bridge registers a serializer and a deserializer for it.

Patterns are translated from botocore's (Java) dialect to ECMA-262: request patterns are
anchored (``^(?:...)$``), so a generated value fully matches and is valid whether or not the
service anchors; ``\\d`` and ``\\w`` become their ASCII classes. Each translated pattern keeps
the model's text under ``x-botocore-pattern``.

Relaxed on output, because the model's output constraints are not AWS's guarantees
(../shared/DESIGN.md, "Where real AWS and the botocore model disagree"; the evidence is recorded
real responses), and a check must never fail what AWS itself sends:

- ``required`` drops the members whose presence depends on the job's status
  (:data:`conformance.overlays.RESPONSE_PRESENCE`: real FAILED/INPROGRESS/STOPPING jobs are
  described without ModelArtifacts, FailureReason, CompilationEndTime). The status-dependent
  "must be present when COMPLETED" rules stay with the suite's own ``response-shape`` check.
- no ``maxLength``/``maxItems``/``maxProperties``: a real FailureReason is 1,687 characters
  against a model maximum of 1,024.
- no ``additionalProperties: false``: AWS adds members before botocore knows them (the suite
  reports those separately, as ``undeclared-members``).
- unanchored patterns, and none that use constructs (``\\p{...}``) an ECMA engine without the
  ``u`` flag cannot read: a lenient pattern cannot fail a real answer.
- an operation without an output shape documents its 200 without content: whether AWS sends
  ``{}`` or an empty body, and with which content type, is not public.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Iterable

import botocore.exceptions
from botocore.model import OperationModel, ServiceModel, Shape

from . import overlays
from .errors import UsageError
from .model import OPERATIONS, SERVICE, service_model

OPENAPI_VERSION = "3.0.3"
#: Statuses AWS documents for errors of JSON APIs (common errors: 400 for most, 403 for
#: InvalidClientTokenId/OptInRequired/MissingAuthenticationToken, 500 InternalFailure,
#: 503 ServiceUnavailable).
ERROR_STATUSES = ("400", "403", "500", "503")
#: The largest epoch second of a four-digit year (9999-12-31T23:59:59Z).
MAX_TIMESTAMP = 253402300799
_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1, "int32"), "long": (-(2**63), 2**63 - 1, "int64")}
_ERROR_SCHEMA = "AwsJsonError"
_OUT = ".response"


def media_type(model: ServiceModel) -> str:
    """``application/x-amz-json-1.1`` (or 1.0): what the JSON protocol sends and answers."""
    return f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"


def target(model: ServiceModel, operation: str) -> str:
    """The ``X-Amz-Target`` header value of ``operation``, e.g. ``SageMaker.CreateCompilationJob``."""
    return f"{model.metadata['targetPrefix']}.{operation}"


# ---------------------------------------------------------------- patterns

_CLASS_ASCII = {"d": "0-9", "w": "a-zA-Z0-9_"}
#: Unicode categories narrowed to their ASCII members, for request patterns only: a value drawn
#: from the narrowed class is valid under the full one. Marks have no ASCII member ("").
_CATEGORY_ASCII = {
    "L": "a-zA-Z", "Lu": "A-Z", "Ll": "a-z", "N": "0-9", "Nd": "0-9", "Z": " ", "Zs": " ",
    "P": r"!-#%-*,-/:;?@\[-\]_{}", "S": r"$+<=>^`|~", "M": "",
}
#: Java lets a quantifier follow ``$`` (``(...)${1,256}`` in SageMaker's model: end of input,
#: repeated); ECMA does not. It means ``$``.
_QUANTIFIED_END = re.compile(r"(?<!\\)\$\{\d+(?:,\d*)?\}")


class _Untranslatable(ValueError):
    pass


def _to_ecma(pattern: str, *, narrow: bool) -> str:
    """Java -> ECMA-262. ``\\d``/``\\w`` become ASCII classes (Java reads them as ASCII; an
    ECMA engine with the ``u`` flag and Python's ``re`` would not). With ``narrow``, Unicode
    categories ``\\p{..}`` become their ASCII members; otherwise they are kept."""
    pattern = _QUANTIFIED_END.sub("$", pattern)
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in _CLASS_ASCII:
                body = _CLASS_ASCII[nxt]
                out.append(body if in_class else f"[{body}]")
                i += 2
                continue
            if nxt in "pP" and narrow:
                close = pattern.find("}", i)
                name = pattern[i + 3:close] if pattern[i + 2:i + 3] == "{" and close > 0 else None
                if nxt == "P" or name not in _CATEGORY_ASCII:
                    raise _Untranslatable(f"\\{nxt}{{{name}}}")
                body = _CATEGORY_ASCII[name]
                if not in_class:
                    if not body:
                        raise _Untranslatable(f"\\p{{{name}}} outside a class")
                    body = f"[{body}]"
                out.append(body)
                i = close + 1
                continue
            out.append(ch + nxt)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def _readable(pattern: str) -> bool:
    """Both engines that read the document can compile it: Python's ``re`` (generation) and an
    ECMA-262 engine (jsonschema-rs, as schemathesis validates the document's ``format: regex``)."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - ships with schemathesis
        return True
    return jsonschema_rs.validator_for({"format": "regex"}, validate_formats=True).is_valid(pattern)


def _pattern(pattern: str, *, output: bool) -> str | None:
    """The ECMA pattern for a request (anchored, narrowed) or a response (as the model has it,
    unanchored); None when no engine-neutral translation exists (the value is then unconstrained
    by pattern: lenient on output, and on input the backend may refuse what is drawn)."""
    try:
        ecma = _to_ecma(pattern, narrow=not output)
    except _Untranslatable:
        return None
    if output:
        return ecma if "\\p{" not in ecma and _readable(ecma) else None
    core = ecma
    if core.startswith("^"):
        core = core[1:]
    if core.endswith("$") and not core.endswith("\\$"):
        core = core[:-1]
    anchored = f"^(?:{core})$"
    return anchored if _readable(anchored) else None


# ---------------------------------------------------------------- shapes


class _Builder:
    """Walks shapes like botocore's validator does (one method per ``type_name``); structures
    become named components, one per direction, so recursive shapes terminate."""

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.components: dict[str, Any] = {}

    def ref(self, shape: Shape, *, output: bool) -> dict[str, Any]:
        name = shape.name + (_OUT if output else "")
        if name not in self.components:
            self.components[name] = {}  # placeholder: breaks recursion
            self.components[name] = self.structure(shape, output=output)
        return {"$ref": f"#/components/schemas/{name}"}

    def schema(self, shape: Shape, *, output: bool) -> dict[str, Any]:
        if shape.type_name == "structure":
            return self.ref(shape, output=output)
        method = getattr(self, f"_{shape.type_name}", None)
        if method is None:
            raise UsageError(f"shape {shape.name!r}: type {shape.type_name!r} has no JSON Schema here")
        return method(shape, output)

    def structure(self, shape: Shape, *, output: bool, relax: Iterable[str] = ()) -> dict[str, Any]:
        if shape.metadata.get("union"):
            # Exactly one member is set (the model's union trait).
            return {
                "type": "object",
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {name: self.schema(member, output=output)},
                        "required": [name],
                        **({} if output else {"additionalProperties": False}),
                    }
                    for name, member in shape.members.items()
                ],
            }
        result: dict[str, Any] = {
            "type": "object",
            "properties": {name: self.schema(m, output=output) for name, m in shape.members.items()},
        }
        relaxed = set(relax)
        required = [name for name in shape.required_members if name not in relaxed]
        if required:
            result["required"] = required
        if not output:
            result["additionalProperties"] = False
        return result

    def _string(self, shape: Shape, output: bool) -> dict[str, Any]:
        meta = shape.metadata
        result: dict[str, Any] = {"type": "string"}
        if shape.enum:
            result["enum"] = list(shape.enum)
            return result
        if "min" in meta:
            result["minLength"] = meta["min"]
        if "max" in meta and not output:
            result["maxLength"] = meta["max"]
        if "pattern" in meta:
            pattern = _pattern(meta["pattern"], output=output)
            if pattern is not None:
                result["pattern"] = pattern
            result["x-botocore-pattern"] = meta["pattern"]
        return result

    def _integer(self, shape: Shape, output: bool) -> dict[str, Any]:
        low, high, fmt = _INT_BOUNDS[shape.type_name]
        return {
            "type": "integer",
            "format": fmt,
            "minimum": shape.metadata.get("min", low),
            "maximum": shape.metadata.get("max", high),
        }

    _long = _integer

    def _float(self, shape: Shape, output: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "number"}
        if "min" in shape.metadata:
            result["minimum"] = shape.metadata["min"]
        if "max" in shape.metadata:
            result["maximum"] = shape.metadata["max"]
        return result

    _double = _float

    def _boolean(self, shape: Shape, output: bool) -> dict[str, Any]:
        return {"type": "boolean"}

    def _timestamp(self, shape: Shape, output: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "number", "x-botocore-type": "timestamp"}
        if not output:
            result.update(minimum=0, maximum=MAX_TIMESTAMP)
        return result

    def _blob(self, shape: Shape, output: bool) -> dict[str, Any]:
        return {"type": "string", "format": "byte"}

    def _list(self, shape: Shape, output: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"type": "array", "items": self.schema(shape.member, output=output)}
        if "min" in shape.metadata:
            result["minItems"] = shape.metadata["min"]
        if "max" in shape.metadata and not output:
            result["maxItems"] = shape.metadata["max"]
        return result

    def _map(self, shape: Shape, output: bool) -> dict[str, Any]:
        result: dict[str, Any] = {
            "type": "object",
            "additionalProperties": self.schema(shape.value, output=output),
        }
        key = self._string(shape.key, output)
        key.pop("type", None)
        key.pop("x-botocore-pattern", None)
        if key and not output:
            # OpenAPI 3.0 has no propertyNames; schemathesis reads it, other tools ignore it.
            result["x-propertyNames"] = key
        if "min" in shape.metadata:
            result["minProperties"] = shape.metadata["min"]
        if "max" in shape.metadata and not output:
            result["maxProperties"] = shape.metadata["max"]
        return result


def _error_schema() -> dict[str, Any]:
    """An AWS JSON error body: a string ``__type`` and a string message. SageMaker's error
    shapes spell the member ``Message``, AWS's common errors ``message``; botocore reads both."""
    return {
        "type": "object",
        "properties": {
            "__type": {"type": "string", "minLength": 1},
            "message": {"type": "string"},
            "Message": {"type": "string"},
        },
        "required": ["__type"],
        "anyOf": [{"required": ["message"]}, {"required": ["Message"]}],
    }


def _operation(builder: _Builder, op: OperationModel, mtype: str) -> dict[str, Any]:
    model = builder.model
    if op.input_shape is not None:
        request_schema = builder.ref(op.input_shape, output=False)
    else:
        request_schema = {"type": "object", "additionalProperties": False}
    error = {"$ref": f"#/components/schemas/{_ERROR_SCHEMA}"}
    ok: dict[str, Any] = {"description": "success"}
    if op.output_shape is not None:
        relax = [p.member for p in overlays.RESPONSE_PRESENCE if p.operation == op.name] if (
            model.service_name == SERVICE
        ) else []
        schema = builder.structure(op.output_shape, output=True, relax=relax)
        if relax:
            schema["x-status-dependent"] = sorted(relax)
        ok["content"] = {mtype: {"schema": schema}}
    responses: dict[str, Any] = {"200": ok}
    declared = sorted(shape.name for shape in op.error_shapes)
    for status in ERROR_STATUSES:
        responses[status] = {
            "description": "an AWS JSON error"
            + (f"; declared: {', '.join(declared)}" if declared and status == "400" else ""),
            "content": {mtype: {"schema": error}},
        }
    return {
        "operationId": op.name,
        "x-amz-target": target(model, op.name),
        "requestBody": {"required": True, "content": {mtype: {"schema": request_schema}}},
        "responses": responses,
    }


def build_document(
    operations: Iterable[str] | None = None,
    *,
    service: str = SERVICE,
    server_url: str = "http://127.0.0.1:5000",
) -> dict[str, Any]:
    """The OpenAPI 3 document of ``operations`` (default: the five compilation-job operations)
    of a JSON-protocol ``service``. Unknown names or a non-JSON service are a UsageError."""
    try:
        model = service_model(service)
    except botocore.exceptions.UnknownServiceError:
        raise UsageError(f"unknown service {service!r} (a botocore service name, e.g. sagemaker)") from None
    if model.metadata.get("protocol") != "json":
        raise UsageError(
            f"service {service!r} speaks {model.metadata.get('protocol')!r}, not AWS JSON; "
            "only JSON-protocol services map onto this document"
        )
    names = list(operations) if operations is not None else (
        list(OPERATIONS) if service == SERVICE else list(model.operation_names)
    )
    if not names:
        raise UsageError("no operation named")
    unknown = [n for n in names if n not in model.operation_names]
    if unknown:
        raise UsageError(
            f"unknown operation(s) of {service}: {', '.join(unknown)}; e.g. "
            + ", ".join(sorted(model.operation_names)[:8]) + ", ..."
        )
    mtype = media_type(model)
    builder = _Builder(model)
    paths = {
        f"/{name}": {"post": _operation(builder, model.operation_model(name), mtype)}
        for name in dict.fromkeys(names)
    }
    builder.components[_ERROR_SCHEMA] = _error_schema()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{model.metadata.get('serviceFullName', service)} ({', '.join(dict.fromkeys(names))})",
            "version": model.api_version,
            "description": (
                "Generated from the botocore model by neo-conformance. Each path is one AWS JSON "
                "operation: send it as POST / with X-Amz-Target "
                f"{model.metadata['targetPrefix']}.<Operation>, Content-Type {mtype}, SigV4-signed "
                f"(signing name {model.metadata.get('signingName', model.endpoint_prefix)})."
            ),
            "x-botocore-service": service,
            "x-amz-json-version": model.metadata.get("jsonVersion", "1.0"),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": dict(sorted(builder.components.items()))},
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def with_server(document: dict[str, Any], url: str) -> dict[str, Any]:
    """A copy of ``document`` whose server is ``url`` (the caller's document is left alone)."""
    result = copy.deepcopy(document)
    result["servers"] = [{"url": url}]
    return result


def operation_name(path: str) -> str:
    """``/CreateCompilationJob`` -> ``CreateCompilationJob``."""
    return path.rstrip("/").rsplit("/", 1)[-1]

