"""The catalogue of named defects a :class:`~conformance.faults.proxy.FaultProxy` can inject.

Each defect is one misbehaviour a real emulator could plausibly have, on top of an otherwise
AWS-like backend (the proxy's faithful layer). A defect has a name, a one-line description,
a ``kind`` (which family of checks should catch it) and two hooks:

* ``on_request(ex, state)``: rewrite ``ex.params``, set ``ex.flags`` for the faithful layer,
  or answer at once by setting ``ex.response`` (then nothing is forwarded);
* ``on_response(ex, state)``: rewrite ``ex.response``.

``state`` is a dict (with a ``lock``) owned by the proxy instance, one per defect: defects
keep no module-level state, so two proxies with the same defect do not interfere.

``DEFECTS`` maps name -> defect; :func:`describe` lists them; :func:`resolve` turns a name
into a defect (unknown names fail with the close matches).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import random
import zlib
from typing import TYPE_CHECKING, Any

from .proxy import RESET, Response

if TYPE_CHECKING:
    from .proxy import DefectState, Exchange

__all__ = ["DEFECTS", "Defect", "TRANSIENT", "describe", "resolve", "transient", "KINDS"]

CREATE = "CreateCompilationJob"
DESCRIBE = "DescribeCompilationJob"
LIST = "ListCompilationJobs"
STOP = "StopCompilationJob"
DELETE = "DeleteCompilationJob"

#: Families of checks a defect is meant to be caught by.
KINDS = (
    "shape",  # response shape at the wire
    "roundtrip",
    "invalid-input",
    "errors",
    "pagination",
    "filters",
    "lifecycle",
    "robustness",  # backend faults the suite must survive and report
)


class Defect:
    """One named misbehaviour: subclasses set the class attributes and override
    :meth:`request` / :meth:`response` (called only for ``operations``, all when empty)."""

    name: str = ""
    description: str = ""
    kind: str = "shape"
    operations: tuple[str, ...] = ()
    #: acts on the faithful layer (flags): FaultProxy refuses it with faithful=False
    requires_faithful: bool = False
    #: only observable when jobs move through statuses (a FaultProxy with a Lifecycle)
    needs_lifecycle: bool = False

    def applies(self, ex: "Exchange") -> bool:
        return not self.operations or ex.operation in self.operations

    def on_request(self, ex: "Exchange", state: "DefectState") -> None:
        if self.applies(ex):
            self.request(ex, state)

    def on_response(self, ex: "Exchange", state: "DefectState") -> None:
        if self.applies(ex) and isinstance(ex.response, Response):
            self.response(ex, ex.response, state)

    def request(self, ex: "Exchange", state: "DefectState") -> None:
        pass

    def response(self, ex: "Exchange", r: Response, state: "DefectState") -> None:
        pass

    def __str__(self) -> str:
        return f"{self.name}: {self.description}"

    def __repr__(self) -> str:
        return f"<Defect {self.name}>"


DEFECTS: dict[str, Defect] = {}


def _register(cls: type[Defect]) -> type[Defect]:
    d = cls()
    if not d.name or d.name in DEFECTS:
        raise ValueError(f"defect name missing or taken: {d.name!r}")
    if d.kind not in KINDS:
        raise ValueError(f"defect {d.name}: unknown kind {d.kind!r}")
    DEFECTS[d.name] = d
    return cls


def resolve(defect: "str | Defect") -> Defect:
    if isinstance(defect, Defect):
        return defect
    try:
        return DEFECTS[defect]
    except KeyError:
        close = difflib.get_close_matches(str(defect), DEFECTS, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise KeyError(f"unknown defect {defect!r}{hint}; known: {', '.join(sorted(DEFECTS))}") from None


def describe() -> list[str]:
    """``name: description`` for every defect, in catalogue order."""
    return [str(d) for d in DEFECTS.values()]


# --- helpers ------------------------------------------------------------------------------


def _ok_json(r: Response) -> dict | None:
    data = r.json()
    return data if r.status == 200 and isinstance(data, dict) else None


def _edit_describe(r: Response, fn: Any) -> None:
    data = _ok_json(r)
    if data is not None:
        fn(data)
        r.set_json(data)
        r.source = "defect"


def _edit_summaries(r: Response, fn: Any) -> None:
    data = _ok_json(r)
    if data is not None:
        for s in data.get("CompilationJobSummaries") or []:
            if isinstance(s, dict):
                fn(s)
        r.set_json(data)
        r.source = "defect"


def _answer(ex: "Exchange", status: int, obj: Any) -> None:
    ex.response = Response.make_json(status, obj, source="defect")


def _error(ex: "Exchange", status: int, code: str, message: str) -> None:
    ex.response = Response.error(status, code, message, source="defect")


# --- response shape -------------------------------------------------------------------------


@_register
class EnumMisspelled(Defect):
    name: str = "enum_misspelled"
    description: str = 'CompilationJobStatus is spelled in title case ("Completed") in Describe and List'
    operations: tuple[str, ...] = (DESCRIBE, LIST)

    def response(self, ex, r, state):
        def fix(d):
            if isinstance(d.get("CompilationJobStatus"), str):
                d["CompilationJobStatus"] = d["CompilationJobStatus"].title()

        (_edit_describe if ex.operation == DESCRIBE else _edit_summaries)(r, fix)


@_register
class DropVpcConfig(Defect):
    name: str = "drop_vpc_config"
    description: str = "Describe omits VpcConfig (an emulator predating the 2021-06-28 API update)"
    kind: str = "roundtrip"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        _edit_describe(r, lambda d: d.pop("VpcConfig", None))


@_register
class DropInferenceImage(Defect):
    name: str = "drop_inference_image"
    description: str = "Describe omits InferenceImage (an emulator predating the 2021-06-28 API update)"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        _edit_describe(r, lambda d: d.pop("InferenceImage", None))


@_register
class DropModelArtifacts(Defect):
    name: str = "drop_model_artifacts"
    description: str = "Describe of a COMPLETED job omits ModelArtifacts"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        _edit_describe(r, lambda d: d.pop("ModelArtifacts", None))


@_register
class MissingRequiredMember(Defect):
    name: str = "missing_required_member"
    description: str = "Describe omits the required CompilationJobArn"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        _edit_describe(r, lambda d: d.pop("CompilationJobArn", None))


@_register
class TimestampAsString(Defect):
    name: str = "timestamp_as_string"
    description: str = "Describe sends CreationTime as an ISO-8601 string instead of epoch seconds"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        def fix(d):
            t = d.get("CreationTime")
            if isinstance(t, (int, float)):
                d["CreationTime"] = _dt.datetime.fromtimestamp(t, _dt.timezone.utc).isoformat()

        _edit_describe(r, fix)


@_register
class WrongTypeMember(Defect):
    name: str = "wrong_type_member"
    description: str = 'Describe sends StoppingCondition.MaxRuntimeInSeconds as a string ("900")'
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        def fix(d):
            sc = d.get("StoppingCondition")
            if isinstance(sc, dict) and "MaxRuntimeInSeconds" in sc:
                sc["MaxRuntimeInSeconds"] = str(sc["MaxRuntimeInSeconds"])

        _edit_describe(r, fix)


@_register
class NullMember(Defect):
    name: str = "null_member"
    description: str = "Describe sends absent optional members as JSON null (FailureReason, VpcConfig, ModelPackageVersionArn)"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        def fix(d):
            for k in ("FailureReason", "VpcConfig", "ModelPackageVersionArn"):
                d.setdefault(k, None)

        _edit_describe(r, fix)


@_register
class UndeclaredMember(Defect):
    name: str = "undeclared_member"
    description: str = "Describe adds a member the model does not declare (CompilationJobId)"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        def fix(d):
            d["CompilationJobId"] = "cj-%08x" % zlib.crc32(str(d.get("CompilationJobName", "")).encode())

        _edit_describe(r, fix)


@_register
class NonJsonBody(Defect):
    name: str = "non_json_body"
    description: str = "Describe answers 200 with an HTML page instead of JSON"
    kind: str = "robustness"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        if r.status == 200:
            r.body = b"<!doctype html><html><body><h1>OK</h1></body></html>"
            r.set_header("Content-Type", "text/html; charset=utf-8")
            r.source = "defect"


# --- round trip -----------------------------------------------------------------------------


@_register
class ArnWrongName(Defect):
    name: str = "arn_wrong_name"
    description: str = "Describe's CompilationJobArn names a different job (the name with a suffix)"
    kind: str = "roundtrip"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        def fix(d):
            if isinstance(d.get("CompilationJobArn"), str):
                d["CompilationJobArn"] += "-other"

        _edit_describe(r, fix)


@_register
class RoundtripAltersField(Defect):
    name: str = "roundtrip_alters_field"
    description: str = "Describe returns a different RoleArn from the one Create sent"
    kind: str = "roundtrip"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        def fix(d):
            role = d.get("RoleArn")
            if isinstance(role, str):
                head, _, _ = role.rpartition("/")
                d["RoleArn"] = (head or role) + "/DefaultSageMakerRole"

        _edit_describe(r, fix)


@_register
class TagsDropped(Defect):
    name: str = "tags_dropped"
    description: str = "Create ignores Tags: ListTags on the new job's ARN is empty"
    kind: str = "roundtrip"
    operations: tuple[str, ...] = (CREATE,)

    def request(self, ex, state):
        if isinstance(ex.params, dict) and "Tags" in ex.params:
            ex.params = {k: v for k, v in ex.params.items() if k != "Tags"}


@_register
class ListSummaryDropsTarget(Defect):
    name: str = "list_summary_drops_target"
    description: str = "List summaries omit CompilationTargetDevice"
    kind: str = "roundtrip"
    operations: tuple[str, ...] = (LIST,)

    def response(self, ex, r, state):
        _edit_summaries(r, lambda s: s.pop("CompilationTargetDevice", None))


# --- invalid input ---------------------------------------------------------------------------


@_register
class TargetDeviceStaleEnum(Defect):
    name: str = "target_device_stale_enum"
    description: str = "Create rejects TargetDevice amba_cv25 with ValidationException (enum list from before 2021-06-28)"
    kind: str = "invalid-input"
    operations: tuple[str, ...] = (CREATE,)

    def request(self, ex, state):
        out = ex.params.get("OutputConfig") if isinstance(ex.params, dict) else None
        if isinstance(out, dict) and out.get("TargetDevice") == "amba_cv25":
            _error(
                ex,
                400,
                "ValidationException",
                "1 validation error detected: Value 'amba_cv25' at 'outputConfig.targetDevice' failed to "
                "satisfy constraint: Member must satisfy enum value set: [lambda, ml_m4, ml_m5, ml_c4, ml_c5, "
                "ml_p2, ml_p3, ml_g4dn, ml_inf1, jetson_tx1, jetson_tx2, jetson_nano, jetson_xavier, rasp3b, "
                "imx8qm, deeplens, rk3399, rk3288, aisage, sbe_c, qcs605, qcs603, sitara_am57x, amba_cv22, "
                "x86_win32, x86_win64, coreml, jacinto_tda4vm]",
            )


#: TargetDevice values of botocore 1.20.102 (the 2021-06-28 update): an emulator whose enum
#: list stopped there refuses what the model gained since (ml_m6g, ml_c6g, ml_inf2, ml_trn1,
#: rasp4b, amba_cv2, imx8mplus). A snapshot on purpose: it is the stale emulator's list.
_DEVICES_2021 = frozenset((
    "lambda ml_m4 ml_m5 ml_c4 ml_c5 ml_p2 ml_p3 ml_g4dn ml_inf1 ml_eia2 jetson_tx1 jetson_tx2 "
    "jetson_nano jetson_xavier rasp3b imx8qm deeplens rk3399 rk3288 aisage sbe_c qcs605 qcs603 "
    "sitara_am57x amba_cv22 amba_cv25 x86_win32 x86_win64 coreml jacinto_tda4vm").split())


@_register
class TargetDeviceEnum2021(Defect):
    name: str = "target_device_enum_2021"
    description: str = ("Create rejects every TargetDevice added after the 2021-06-28 update (ml_inf2, "
                        "ml_trn1, imx8mplus, ...) with ValidationException; amba_cv25 is accepted")
    kind: str = "invalid-input"
    operations: tuple[str, ...] = (CREATE,)

    def request(self, ex, state):
        out = ex.params.get("OutputConfig") if isinstance(ex.params, dict) else None
        device = out.get("TargetDevice") if isinstance(out, dict) else None
        if isinstance(device, str) and device not in _DEVICES_2021:
            _error(ex, 400, "ValidationException",
                   f"1 validation error detected: Value '{device}' at 'outputConfig.targetDevice' failed to "
                   f"satisfy constraint: Member must satisfy enum value set: [{', '.join(sorted(_DEVICES_2021))}]")


@_register
class InvalidInputAccepted(Defect):
    name: str = "invalid_input_accepted"
    description: str = "Create does no server-side validation: a model-invalid request (e.g. TargetDevice 'bogus') is accepted and the job created"
    kind: str = "invalid-input"
    operations: tuple[str, ...] = (CREATE,)
    requires_faithful: bool = True

    def request(self, ex, state):
        ex.flags.add("skip_validation")


@_register
class ListValidationSkipped(Defect):
    name: str = "list_validation_skipped"
    description: str = "List does no validation: MaxResults 0 or 500 and unknown StatusEquals values are accepted"
    kind: str = "invalid-input"
    operations: tuple[str, ...] = (LIST,)
    requires_faithful: bool = True

    def request(self, ex, state):
        ex.flags.add("skip_validation")


# --- errors ------------------------------------------------------------------------------------


@_register
class DescribeMissingWrongCode(Defect):
    name: str = "describe_missing_wrong_code"
    description: str = 'Describe of a missing job answers 400 "NotFound" (neither declared nor a common AWS error)'
    kind: str = "errors"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        if r.error_code == "ResourceNotFound":
            ex.response = Response.error(400, "NotFound", f"Job {ex.job_name} not found", source="defect")


@_register
class DuplicateNameAccepted(Defect):
    name: str = "duplicate_name_accepted"
    description: str = "Create with the name of an existing job answers 200 (the existing ARN) instead of ResourceInUse"
    kind: str = "errors"
    operations: tuple[str, ...] = (CREATE,)

    def response(self, ex, r, state):
        if r.error_code == "ResourceInUse":
            _answer(ex, 200, {"CompilationJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:compilation-job/{ex.job_name}"})


@_register
class ErrorBodyNoType(Defect):
    name: str = "error_body_no_type"
    description: str = "Error responses carry a message but no __type (nor X-Amzn-ErrorType header)"
    kind: str = "errors"

    def response(self, ex, r, state):
        if 400 <= r.status < 600:
            data = r.json()
            if isinstance(data, dict):
                message = data.get("message", data.get("Message", "error"))
                r.set_json({"message": message})
            r.set_header("X-Amzn-ErrorType", None)
            r.source = "defect"


@_register
class DeleteNoop(Defect):
    name: str = "delete_noop"
    description: str = "Delete answers 200 but the job stays (Describe and List still show it)"
    kind: str = "lifecycle"
    operations: tuple[str, ...] = (DELETE,)

    def request(self, ex, state):
        _answer(ex, 200, {})


@_register
class DeletedStillListed(Defect):
    name: str = "deleted_still_listed"
    description: str = "Delete removes the job from Describe, but List still shows its summary (a stale index)"
    kind: str = "lifecycle"
    operations: tuple[str, ...] = (DESCRIBE, DELETE, LIST)

    _SUMMARY = ("CompilationJobName", "CompilationJobArn", "CreationTime", "LastModifiedTime",
                "CompilationJobStatus")

    def response(self, ex, r, state):
        data = _ok_json(r) if ex.operation != DELETE else {}  # a Delete's 200 may have no body
        if data is None or r.status != 200:
            return
        with state.lock:
            seen, ghosts = state.setdefault("seen", {}), state.setdefault("ghosts", {})
            if ex.operation == DESCRIBE:
                summary = {k: data[k] for k in self._SUMMARY if k in data}
                device = (data.get("OutputConfig") or {}).get("TargetDevice")
                if device:
                    summary["CompilationTargetDevice"] = device
                seen[data.get("CompilationJobName")] = summary
            elif ex.operation == DELETE:
                name = (ex.params or {}).get("CompilationJobName")
                if name in seen:
                    ghosts[name] = seen[name]
            else:
                contains = (ex.params or {}).get("NameContains") or ""
                listed = {s.get("CompilationJobName") for s in data.get("CompilationJobSummaries") or []}
                extra = [g for n, g in ghosts.items() if contains in n and n not in listed]
                if extra:
                    data["CompilationJobSummaries"] = [*(data.get("CompilationJobSummaries") or []), *extra]
                    r.set_json(data)
                    r.source = "defect"


@_register
class DeleteMissingOk(Defect):
    name: str = "delete_missing_ok"
    description: str = "Delete of a missing job answers 200 instead of ResourceNotFound"
    kind: str = "errors"
    operations: tuple[str, ...] = (DELETE,)

    def response(self, ex, r, state):
        if r.error_code == "ResourceNotFound":
            _answer(ex, 200, {})


@_register
class StopMissingOk(Defect):
    name: str = "stop_missing_ok"
    description: str = "Stop of a missing job answers 200 instead of ResourceNotFound"
    kind: str = "errors"
    operations: tuple[str, ...] = (STOP,)

    def response(self, ex, r, state):
        if r.error_code == "ResourceNotFound":
            _answer(ex, 200, {})


# --- pagination ---------------------------------------------------------------------------------


@_register
class IgnoreMaxResults(Defect):
    name: str = "ignore_max_results"
    description: str = "List ignores MaxResults and answers with pages of 100"
    kind: str = "pagination"
    operations: tuple[str, ...] = (LIST,)

    def request(self, ex, state):
        if isinstance(ex.params, dict) and "MaxResults" in ex.params:
            ex.params = {**ex.params, "MaxResults": 100}


@_register
class NextTokenNeverEnds(Defect):
    name: str = "next_token_never_ends"
    description: str = "List's last page carries a NextToken that serves the same page again, forever"
    kind: str = "pagination"
    operations: tuple[str, ...] = (LIST,)

    def request(self, ex, state):
        token = ex.params.get("NextToken") if isinstance(ex.params, dict) else None
        with state.lock:
            loops = state.setdefault("loops", {})
            if not (isinstance(token, str) and token in loops):
                return
            original = loops[token]
        ex.params = {k: v for k, v in ex.params.items() if k != "NextToken"}
        if original is not None:
            ex.params["NextToken"] = original
        ex.notes[self.name] = token

    def response(self, ex, r, state):
        data = _ok_json(r)
        if data is None or data.get("NextToken"):
            return
        replayed = ex.notes.get(self.name)
        if replayed is None:
            token = ex.params.get("NextToken") if isinstance(ex.params, dict) else None
            with state.lock:
                loops = state.setdefault("loops", {})
                replayed = f"loop-{len(loops) + 1}"
                loops[replayed] = token
        data["NextToken"] = replayed
        r.set_json(data)
        r.source = "defect"


@_register
class PagesDuplicateItem(Defect):
    name: str = "pages_duplicate_item"
    description: str = "List's second page starts with the last item of the first page again"
    kind: str = "pagination"
    operations: tuple[str, ...] = (LIST,)
    requires_faithful: bool = True

    def request(self, ex, state):
        ex.flags.add("page_overlap")


@_register
class PagesDropItem(Defect):
    name: str = "pages_drop_item"
    description: str = "List's second page skips the item that should come first on it"
    kind: str = "pagination"
    operations: tuple[str, ...] = (LIST,)
    requires_faithful: bool = True

    def request(self, ex, state):
        ex.flags.add("page_skip")


@_register
class LastPageHasToken(Defect):
    name: str = "last_page_has_token"
    description: str = 'List\'s last page carries NextToken "" instead of no token'
    kind: str = "pagination"
    operations: tuple[str, ...] = (LIST,)

    def response(self, ex, r, state):
        data = _ok_json(r)
        if data is not None and "NextToken" not in data:
            data["NextToken"] = ""
            r.set_json(data)
            r.source = "defect"


@_register
class GarbageTokenAccepted(Defect):
    name: str = "garbage_token_accepted"
    description: str = "List treats an unknown NextToken as no token and answers the first page"
    kind: str = "pagination"
    operations: tuple[str, ...] = (LIST,)
    requires_faithful: bool = True

    def request(self, ex, state):
        ex.flags.add("accept_unknown_token")


# --- filters and sorting ------------------------------------------------------------------------


class _DropParams(Defect):
    params: tuple[str, ...] = ()

    def request(self, ex, state):
        if isinstance(ex.params, dict) and any(k in ex.params for k in self.params):
            ex.params = {k: v for k, v in ex.params.items() if k not in self.params}


@_register
class IgnoreNameContains(_DropParams):
    name: str = "ignore_name_contains"
    description: str = "List ignores NameContains"
    kind: str = "filters"
    operations: tuple[str, ...] = (LIST,)
    params: tuple[str, ...] = ("NameContains",)


@_register
class IgnoreStatusEquals(_DropParams):
    name: str = "ignore_status_equals"
    description: str = "List ignores StatusEquals"
    kind: str = "filters"
    operations: tuple[str, ...] = (LIST,)
    params: tuple[str, ...] = ("StatusEquals",)


@_register
class IgnoreCreationTimeFilter(_DropParams):
    name: str = "ignore_creation_time_filter"
    description: str = "List ignores CreationTimeAfter and CreationTimeBefore"
    kind: str = "filters"
    operations: tuple[str, ...] = (LIST,)
    params: tuple[str, ...] = ("CreationTimeAfter", "CreationTimeBefore")


@_register
class IgnoreLastModifiedTimeFilter(_DropParams):
    name: str = "ignore_last_modified_time_filter"
    description: str = "List ignores LastModifiedTimeAfter and LastModifiedTimeBefore"
    kind: str = "filters"
    operations: tuple[str, ...] = (LIST,)
    params: tuple[str, ...] = ("LastModifiedTimeAfter", "LastModifiedTimeBefore")


@_register
class SortIgnored(_DropParams):
    name: str = "sort_ignored"
    description: str = "List ignores SortBy and SortOrder (always CreationTime, Ascending)"
    kind: str = "filters"
    operations: tuple[str, ...] = (LIST,)
    params: tuple[str, ...] = ("SortBy", "SortOrder")


@_register
class SortOrderReversed(Defect):
    name: str = "sort_order_reversed"
    description: str = "List applies SortOrder backwards (Ascending gives descending order and vice versa)"
    kind: str = "filters"
    operations: tuple[str, ...] = (LIST,)

    def request(self, ex, state):
        if isinstance(ex.params, dict):
            order = ex.params.get("SortOrder") or "Ascending"
            flipped = "Descending" if order == "Ascending" else "Ascending"
            ex.params = {**ex.params, "SortOrder": flipped}


# --- lifecycle ----------------------------------------------------------------------------------


@_register
class StopOnTerminalAccepted(Defect):
    name: str = "stop_on_terminal_accepted"
    description: str = "Stop of a COMPLETED/FAILED/STOPPED job answers 200 instead of ValidationException"
    kind: str = "lifecycle"
    operations: tuple[str, ...] = (STOP,)

    def response(self, ex, r, state):
        if r.error_code == "ValidationException" and b"cannot be stopped" in r.body:
            _answer(ex, 200, {})


@_register
class StopRunningRejected(Defect):
    name: str = "stop_running_rejected"
    description: str = "Stop is always refused with ValidationException, also for a running job"
    kind: str = "lifecycle"
    operations: tuple[str, ...] = (STOP,)
    needs_lifecycle: bool = True

    def request(self, ex, state):
        _error(ex, 400, "ValidationException", "The compilation job cannot be stopped.")


@_register
class TerminalStatusChanges(Defect):
    name: str = "terminal_status_changes"
    description: str = "A job read COMPLETED once reads INPROGRESS on later Describes"
    kind: str = "lifecycle"
    operations: tuple[str, ...] = (DESCRIBE,)

    def response(self, ex, r, state):
        data = _ok_json(r)
        if data is None or data.get("CompilationJobStatus") != "COMPLETED":
            return
        name = data.get("CompilationJobName")
        with state.lock:
            seen = state.setdefault("completed", set())
            again = name in seen
            seen.add(name)
        if again:
            data["CompilationJobStatus"] = "INPROGRESS"
            data.pop("CompilationEndTime", None)
            r.set_json(data)
            r.source = "defect"


@_register
class StoppedJobCompletes(Defect):
    name: str = "stopped_job_completes"
    description: str = "A stopped job ends COMPLETED instead of STOPPED (STOPPING -> COMPLETED)"
    kind: str = "lifecycle"
    operations: tuple[str, ...] = (DESCRIBE, LIST)
    needs_lifecycle: bool = True

    def response(self, ex, r, state):
        def fix(d):
            if d.get("CompilationJobStatus") == "STOPPED":
                d["CompilationJobStatus"] = "COMPLETED"

        (_edit_describe if ex.operation == DESCRIBE else _edit_summaries)(r, fix)


@_register
class TimestampsUnordered(Defect):
    name: str = "timestamps_unordered"
    description: str = "LastModifiedTime is an hour before CreationTime in Describe and List"
    kind: str = "lifecycle"
    operations: tuple[str, ...] = (DESCRIBE, LIST)

    def response(self, ex, r, state):
        def fix(d):
            t = d.get("CreationTime")
            if isinstance(t, (int, float)):
                d["LastModifiedTime"] = round(t - 3600, 3)

        (_edit_describe if ex.operation == DESCRIBE else _edit_summaries)(r, fix)


# --- robustness ---------------------------------------------------------------------------------


@_register
class Intermittent500(Defect):
    name: str = "intermittent_500"
    description: str = ("Every 3rd distinct request answers 500 InternalFailure without reaching the backend, "
                        "each time it is sent (a crash on some inputs: retrying does not help)")
    kind: str = "robustness"

    def request(self, ex, state):
        key = (ex.operation, ex.body)
        with state.lock:
            seen = state.setdefault("seen", {})
            if key not in seen:
                state["n"] = seen[key] = state.get("n", 0) + 1
            n = seen[key]
        if n % 3 == 0:
            _error(ex, 500, "InternalFailure", "We encountered an internal error. Please try again.")


@_register
class ConnectionReset(Defect):
    name: str = "connection_reset"
    description: str = "Describe resets the connection without answering"
    kind: str = "robustness"
    operations: tuple[str, ...] = (DESCRIBE,)

    def request(self, ex, state):
        ex.response = RESET


@_register
class Hang(Defect):
    name: str = "hang"
    description: str = "Describe answers only after 30 s (longer than any sane read timeout)"
    kind: str = "robustness"
    operations: tuple[str, ...] = (DESCRIBE,)
    delay_s: float = 30.0

    def request(self, ex, state):
        # Wait on the proxy's closing event: close() wakes it, so shutdown stays prompt.
        if ex.proxy.closing.wait(self.delay_s):
            ex.response = RESET


# --- transient faults at a rate (not in DEFECTS: a sound suite survives them) -----------------


def _throttle(ex: "Exchange", r: "Response | None", t: "Transient") -> None:
    _error(ex, 400, "ThrottlingException", "Rate exceeded")


def _internal_failure(ex: "Exchange", r: "Response | None", t: "Transient") -> None:
    _error(ex, 500, "InternalFailure", "We encountered an internal error. Please try again.")


def _service_unavailable(ex: "Exchange", r: "Response | None", t: "Transient") -> None:
    _error(ex, 503, "ServiceUnavailable", "Service is unavailable. Please try again.")


def _reset(ex: "Exchange", r: "Response | None", t: "Transient") -> None:
    ex.response = RESET


def _hang(ex: "Exchange", r: "Response | None", t: "Transient") -> None:
    # Wait on the proxy's closing event: close() wakes it, so shutdown stays prompt.
    ex.proxy.closing.wait(t.hang_s)
    ex.response = RESET


def _html_200(ex: "Exchange", r: "Response | None", t: "Transient") -> None:
    if r is not None and r.status == 200:
        r.body = b"<!doctype html><html><body><h1>OK</h1></body></html>"
        r.set_header("Content-Type", "text/html; charset=utf-8")
        r.source = t.name


def _truncated_json(ex: "Exchange", r: "Response | None", t: "Transient") -> None:
    if r is not None and r.status == 200 and len(r.body) > 1:
        r.body = r.body[: len(r.body) // 2]
        r.source = t.name


#: fault -> (what it does, acts on the request (never forwarded) or on the response).
#: Throttling, 5xx, resets and hangs are answered before the request reaches the backend, as
#: an overloaded front end does: a retry is safe. The response faults corrupt a real answer.
TRANSIENT: dict[str, tuple[str, str, Any]] = {
    "throttling": ("400 ThrottlingException", "request", _throttle),
    "internal_failure": ("500 InternalFailure", "request", _internal_failure),
    "service_unavailable": ("503 ServiceUnavailable", "request", _service_unavailable),
    "reset": ("the connection is reset without an answer", "request", _reset),
    "hang": ("no answer for hang_s seconds, then a reset", "request", _hang),
    "html_200": ("a 200 answered with an HTML page (Content-Type text/html)", "response", _html_200),
    "truncated_json": ("a 200 whose JSON body is cut in half", "response", _truncated_json),
}


class Transient(Defect):
    """``fault`` (a key of :data:`TRANSIENT`) on a share ``rate`` of the calls, drawn from
    ``random.Random(seed)`` one draw per call in arrival order: a client that calls one at a
    time meets the same faults on the same calls on every run. Real AWS throttles and fails
    this way under load; every SDK retries the first four kinds, none the two corruptions."""

    kind: str = "robustness"

    def __init__(self, fault: str, rate: float, *, seed: int = 0, hang_s: float = 120.0,
                 operations: tuple[str, ...] = ()) -> None:
        if fault not in TRANSIENT:
            raise KeyError(f"unknown transient fault {fault!r}; known: {', '.join(TRANSIENT)}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"transient fault rate must be within 0..1, got {rate!r}")
        self.fault, self.rate, self.seed, self.hang_s = fault, rate, seed, hang_s
        self.operations = tuple(operations)
        self.name = f"transient_{fault}"
        what, self._stage, self._act = TRANSIENT[fault]
        self.description = f"{rate:.0%} of calls: {what} (seed {seed})"

    def _draw(self, state: "DefectState") -> bool:
        with state.lock:
            rng = state.setdefault("rng", random.Random(self.seed))
            hit = rng.random() < self.rate
            state["calls"] = state.get("calls", 0) + 1
            state["faults"] = state.get("faults", 0) + hit
        return hit

    def request(self, ex, state):
        if self._stage == "request" and self._draw(state):
            self._act(ex, None, self)
        elif self._stage == "response":
            ex.notes[self.name] = self._draw(state)

    def response(self, ex, r, state):
        if self._stage == "response" and ex.notes.get(self.name):
            self._act(ex, r, self)


def transient(spec: str, *, seed: int = 0, hang_s: float = 120.0) -> list[Transient]:
    """``"throttling=0.3,reset=0.1"`` -> one :class:`Transient` per fault (seeds ``seed``,
    ``seed+1``, ...: independent draws)."""
    out = []
    for i, part in enumerate(p for p in spec.split(",") if p.strip()):
        fault, _, rate = part.partition("=")
        try:
            share = float(rate)
        except ValueError:
            raise ValueError(f"transient fault {part!r}: expected NAME=RATE, e.g. throttling=0.3") from None
        out.append(Transient(fault.strip(), share, seed=seed + i, hang_s=hang_s))
    return out


# --- protocol (AWS JSON 1.1 at the wire) ------------------------------------------------------

_HTML_500 = (b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
             b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was "
             b"unable to complete your request.</p>\n")


def _html_500(ex: "Exchange", source: str, detail: bytes = b"") -> None:
    ex.response = Response(500, [("Content-Type", "text/html; charset=utf-8")],
                           _HTML_500 + detail, source=source)


def _operation_names() -> frozenset[str]:
    from .validation import service_model

    return frozenset(service_model().operation_names)


@_register
class MalformedBody500(Defect):
    name: str = "malformed_body_500"
    description: str = "A call whose body is not JSON is answered 500 with an HTML page (moto's server on Create)"
    kind: str = "invalid-input"

    def request(self, ex, state):
        if ex.operation is not None and ex.parse_error:
            _html_500(ex, self.name)


@_register
class UnknownOperation200(Defect):
    name: str = "unknown_operation_200"
    description: str = "An X-Amz-Target naming no operation of the service is answered 200 {}"
    kind: str = "errors"

    def request(self, ex, state):
        if ex.operation is not None and ex.operation not in _operation_names():
            _answer(ex, 200, {})


@_register
class WrongContentType(Defect):
    name: str = "wrong_content_type"
    description: str = "Every success is answered with Content-Type: application/json instead of application/x-amz-json-1.1"
    kind: str = "shape"

    def response(self, ex, r, state):
        if 200 <= r.status < 300:
            r.set_header("Content-Type", "application/json")
            r.source = "defect"


# --- clauses: one value, one bound, one cascade, one filter ---------------------------------


def _framework_values() -> list[str]:
    from .validation import service_model

    return list(service_model().shape_for("Framework").enum)


@_register
class FrameworkRefusesTflite(Defect):
    name: str = "framework_refuses_tflite"
    description: str = "Create refuses the valid InputConfig.Framework TFLITE with ValidationException (an enum list missing it)"
    kind: str = "invalid-input"
    operations: tuple[str, ...] = (CREATE,)

    def request(self, ex, state):
        inp = ex.params.get("InputConfig") if isinstance(ex.params, dict) else None
        if isinstance(inp, dict) and inp.get("Framework") == "TFLITE":
            known = [v for v in _framework_values() if v != "TFLITE"]
            _error(ex, 400, "ValidationException",
                   "1 validation error detected: Value 'TFLITE' at 'inputConfig.framework' failed to "
                   f"satisfy constraint: Member must satisfy enum value set: [{', '.join(known)}]")


@_register
class NamePatternTooStrict(Defect):
    name: str = "name_pattern_too_strict"
    description: str = "Create refuses a valid CompilationJobName longer than 40 characters (the model allows 63) with ValidationException"
    kind: str = "invalid-input"
    operations: tuple[str, ...] = (CREATE,)
    max_length: int = 40

    def request(self, ex, state):
        name = ex.job_name
        if name is not None and len(name) > self.max_length:
            _error(ex, 400, "ValidationException",
                   f"1 validation error detected: Value '{name}' at 'compilationJobName' failed to satisfy "
                   r"constraint: Member must satisfy regular expression pattern: (?=.{1,40}$)[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


@_register
class PlatformBreaksList(Defect):
    name: str = "platform_breaks_list"
    description: str = ("While a job with a TargetPlatform without Accelerator exists, every List answers 500 "
                        "(KeyError: 'Accelerator', as moto); Describe works")
    kind: str = "robustness"
    operations: tuple[str, ...] = (CREATE, DELETE, LIST)

    def request(self, ex, state):
        if ex.operation == CREATE:
            # Before the faithful layer, which stores such a job with a sentinel Accelerator.
            out = ex.params.get("OutputConfig") if isinstance(ex.params, dict) else None
            tp = out.get("TargetPlatform") if isinstance(out, dict) else None
            if isinstance(tp, dict) and tp.get("Accelerator") is None and ex.job_name is not None:
                ex.notes[self.name] = ex.job_name
        elif ex.operation == LIST:
            with state.lock:
                broken = bool(state.get("breakers"))
            if broken:
                _html_500(ex, self.name, b"<!-- KeyError: 'Accelerator' -->\n")

    def response(self, ex, r, state):
        if r.status != 200:
            return
        if ex.operation == CREATE and self.name in ex.notes:
            with state.lock:
                state.setdefault("breakers", set()).add(ex.notes[self.name])
        elif ex.operation == DELETE and ex.job_name is not None:
            with state.lock:
                state.setdefault("breakers", set()).discard(ex.job_name)


@_register
class ListIgnoresStatusEnum(Defect):
    name: str = "list_ignores_status_enum"
    description: str = "List accepts an unknown StatusEquals value (200, an empty listing); every other member is validated"
    kind: str = "invalid-input"
    operations: tuple[str, ...] = (LIST,)
    requires_faithful: bool = True

    def request(self, ex, state):
        from .validation import service_model, validate_input, validation_message

        p = ex.params
        status = p.get("StatusEquals") if isinstance(p, dict) else None
        if not isinstance(status, str) or status in service_model().shape_for("CompilationJobStatus").enum:
            return  # a known value, or a wrong type: the faithful layer judges it as ever
        problems = validate_input(LIST, {k: v for k, v in p.items() if k != "StatusEquals"})
        if problems:
            _error(ex, 400, "ValidationException", validation_message(problems))
        else:
            # The faithful layer lists with the unknown status as a filter: no job matches it.
            ex.flags.add("skip_validation")
