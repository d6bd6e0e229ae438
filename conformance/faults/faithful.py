"""The faithful layer: make moto's server answer like AWS, as far as we know.

Each item is a deviation of moto 5.2.1 from AWS, found by reading
``moto/sagemaker/models.py``/``responses.py`` and calling the server live, and what the
layer does about it (basis in brackets, as in DESIGN.md):

* StopCompilationJob is not implemented (HTTP 500, an HTML page). The layer implements it:
  a missing job -> 400 ``ResourceNotFound``; a job in a terminal status (COMPLETED, FAILED,
  STOPPED) -> 400 ``ValidationException``; otherwise 200 ``{}`` and the job goes STOPPING,
  then STOPPED [aws-docs]. Without a ``lifecycle`` every job is COMPLETED at once, so every
  Stop of an existing job is rejected.
* No server-side validation: invalid enums (TargetDevice ``bogus``), missing required members,
  lengths, patterns, ranges (MaxResults 0 or 500) are accepted, or crash moto with a 500
  (no OutputConfig). The layer validates the input of every compilation-job and tagging
  operation against the botocore model (type, required, undeclared members, enum, length,
  pattern, range, list size) and answers 400 ``ValidationException`` with an AWS-style
  message [model]. Undeclared members and wrong JSON types are answered with
  ``ValidationException`` too, the code the suite's invalid-input check expects (real AWS
  may say ``SerializationException`` for a wrong type) [assumption].
* Cross-field rules moto misses: a job needs exactly one of TargetDevice / TargetPlatform
  (moto stores a job with neither, and from then on ListCompilationJobs answers 500 for
  everyone: ``KeyError: 'TargetPlatform'``) -> 400 ``ValidationException`` [aws-docs]. moto
  already enforces exactly one of InputConfig / ModelPackageVersionArn.
* A TargetPlatform without ``Accelerator`` (optional in the model) also breaks moto's
  ListCompilationJobs for everyone (``KeyError: 'Accelerator'``). The layer stores the job with
  a sentinel Accelerator and strips it again from every Describe and List answer, so the
  job looks as created [model].
* DescribeCompilationJob: ``FailureReason: ""`` on a COMPLETED job -> dropped (FailureReason
  only on FAILED) [observed-aws]; JSON ``null`` members -> dropped, AWS never sends null
  [observed-aws] (moto 5.2.1's serializer already omits None members on the wire, so this is
  defensive; the model objects do hold ``ModelPackageVersionArn``/``VpcConfig`` None);
  ``StoppingCondition.MaxWaitTimeInSeconds`` is echoed ->
  dropped, AWS describes MaxRuntimeInSeconds only [observed-aws]; ModelArtifacts/ModelDigests
  only on COMPLETED, CompilationEndTime only once the job ended, CompilationStartTime not
  while STARTING [observed-aws].
* Timestamps are taken at slightly different instants: CompilationStartTime and
  CompilationEndTime come out *before* CreationTime. The layer orders them: CreationTime <=
  CompilationStartTime <= CompilationEndTime <= LastModifiedTime [aws-docs].
* ListCompilationJobs: the layer lists moto's jobs in full and does filtering, sorting and
  paging itself, so that status filters and sorts see the simulated lifecycle, and because a
  garbage NextToken makes moto answer ``InvalidToken`` (a code neither declared nor common):
  the layer answers 400 ``ValidationException`` [assumption: AWS's code is not public]. Paging
  uses opaque tokens bound to the query; the last page has no NextToken; with no MaxResults a
  page holds ``default_max_results`` (10) items [assumption]. NameContains is a case-sensitive
  substring and the time filters are strict (> after, < before), as moto does [assumption].
* Tagging (AddTags/ListTags/DeleteTags) on the ARN of a compilation job that does not exist:
  moto answers 500 (``AttributeError: 'NoneType' object has no attribute 'tags'``); the layer
  answers 400 ``ValidationException`` [assumption]. ListTags on a job created without Tags:
  moto answers 500 (``TypeError: object of type 'NoneType' has no len()``); the layer answers
  200 with no tags [model].
* DeleteCompilationJob of a job in STARTING, INPROGRESS or STOPPING -> 400
  ``ValidationException`` ("You can delete a compilation job only if its current status is
  COMPLETED, FAILED, or STOPPED") [aws-docs]; only reachable with a lifecycle.

Not changed (fidelity notes, not contract breaks): placeholders such as ``InferenceImage:
"InferenceImage"`` and ``DerivedInformation.DerivedDataInputConfig:
"DerivedDataInputConfig"``, the fixed ModelDigests, error bodies with ``Message`` (capital M),
and that a job is COMPLETED at once (use ``lifecycle``).
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .proxy import Response
from .validation import validate_input, validation_message

if TYPE_CHECKING:
    from .proxy import Exchange, FaultProxy

__all__ = ["ACCELERATOR_SENTINEL", "Faithful", "JobView", "Lifecycle", "TERMINAL", "HANDLED_OPERATIONS"]

TERMINAL = frozenset({"COMPLETED", "FAILED", "STOPPED"})
STOPPABLE = frozenset({"STARTING", "INPROGRESS"})
#: What moto stores for an absent TargetPlatform.Accelerator (never shown to a client).
ACCELERATOR_SENTINEL = "FAULT_PROXY_NO_ACCELERATOR"
HANDLED_OPERATIONS = frozenset(
    {
        "CreateCompilationJob",
        "DescribeCompilationJob",
        "ListCompilationJobs",
        "StopCompilationJob",
        "DeleteCompilationJob",
        "AddTags",
        "ListTags",
        "DeleteTags",
    }
)
_JOB_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:compilation-job/(?P<name>.+)")
_MAX_TOKENS = 10_000


@dataclass(frozen=True)
class Lifecycle:
    """Simulated job lifecycle: STARTING for ``starting_s``, INPROGRESS for ``inprogress_s``,
    then COMPLETED (FAILED when the name contains ``fail_if_name_contains``); after a Stop,
    STOPPING for ``stopping_s``, then STOPPED.

    ``clock`` (epoch seconds) drives the simulation; tests pass a manual clock to step
    through the statuses without sleeping. Reported timestamps stay anchored on the
    upstream's CreationTime."""

    starting_s: float = 0.3
    inprogress_s: float = 0.6
    stopping_s: float = 0.3
    fail_if_name_contains: str | None = None
    failure_reason: str = "ClientError: InputConfiguration: Unable to load the model: the artifact is not a valid archive."
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)

    #: Share of a job's duration spent STARTING (the rest INPROGRESS), and how long a stopped
    #: job stays STOPPING relative to it: the ratios of the issue-15 measurement (a job of
    #: 1.8 s ended STOPPED 0.6 s after its Stop).
    STARTING_SHARE = 0.25
    STOPPING_SHARE = 1 / 3

    @classmethod
    def lasting(cls, job_s: float, stop_s: float | None = None, **kwargs: Any) -> "Lifecycle":
        """Jobs that are COMPLETED ``job_s`` seconds after Create (a quarter of it STARTING,
        the rest INPROGRESS) and STOPPED ``stop_s`` (default a third of ``job_s``) after a
        Stop: one number to scale the simulated lifecycle by (benchmarks, long-job tests)."""
        if job_s < 0 or (stop_s is not None and stop_s < 0):
            raise ValueError("job durations must not be negative")
        stop_s = job_s * cls.STOPPING_SHARE if stop_s is None else stop_s
        return cls(starting_s=job_s * cls.STARTING_SHARE, inprogress_s=job_s * (1 - cls.STARTING_SHARE),
                   stopping_s=stop_s, **kwargs)


@dataclass(frozen=True)
class JobView:
    """A job's status and lifecycle timestamps at one instant (epoch seconds; None: absent)."""

    status: str
    creation: float
    start: float | None
    end: float | None
    last_modified: float
    failure_reason: str | None = None


@dataclass
class _Job:
    name: str
    created: float  # proxy wall clock when Create succeeded
    fails: bool
    stop_at: float | None = None

    def view(self, lc: Lifecycle, creation: float, now: float) -> JobView:
        t_start = self.created + lc.starting_s
        t_end = t_start + lc.inprogress_s
        shift = creation - self.created  # report relative to the upstream's CreationTime

        def at(t: float) -> float:
            return round(max(creation, t + shift), 3)

        if self.stop_at is not None:
            stopped = self.stop_at + lc.stopping_s
            start = at(t_start) if self.stop_at >= t_start else None
            if now < stopped:
                return JobView("STOPPING", creation, start, None, at(self.stop_at))
            return JobView("STOPPED", creation, start, at(stopped), at(stopped))
        if now < t_start:
            return JobView("STARTING", creation, None, None, creation)
        if now < t_end:
            return JobView("INPROGRESS", creation, at(t_start), None, at(t_start))
        if self.fails:
            return JobView("FAILED", creation, at(t_start), at(t_end), at(t_end), lc.failure_reason)
        return JobView("COMPLETED", creation, at(t_start), at(t_end), at(t_end))


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def drop_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: drop_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [drop_nulls(v) for v in obj if v is not None]
    return obj


class Faithful:
    """The faithful layer of one :class:`FaultProxy` (state: simulated jobs, paging tokens)."""

    def __init__(self, proxy: "FaultProxy", lifecycle: Lifecycle | None = None, default_max_results: int = 10) -> None:
        self.proxy = proxy
        self.lifecycle = lifecycle
        self.default_max_results = default_max_results
        self._jobs: dict[str, _Job] = {}
        self._tokens: OrderedDict[str, tuple[str, tuple, int]] = OrderedDict()
        self._lock = threading.Lock()

    # --- dispatch ----------------------------------------------------------------------

    def handle(self, ex: "Exchange") -> Response:
        op = ex.operation
        if op not in HANDLED_OPERATIONS:
            return ex.forward()
        if ex.parse_error or not isinstance(ex.params, dict):
            return Response.error(400, "SerializationException", "The request body is not a JSON object.")
        bad = self._validate(ex)
        if bad is not None:
            return bad
        return getattr(self, "_" + op)(ex)

    def _validate(self, ex: "Exchange") -> Response | None:
        if "skip_validation" in ex.flags:
            return None
        problems = validate_input(ex.operation, ex.params)
        if problems:
            return Response.error(400, "ValidationException", validation_message(problems))
        return None

    # --- job state ---------------------------------------------------------------------

    def now(self) -> float:
        return self.lifecycle.clock() if self.lifecycle is not None else time.time()

    def job_view(self, body: dict, now: float | None = None) -> JobView:
        """The view of a job from an upstream Describe body or List summary."""
        now = self.now() if now is None else now
        name = body.get("CompilationJobName")
        creation = _num(body.get("CreationTime"))
        with self._lock:
            job = self._jobs.get(name) if isinstance(name, str) else None
        if job is not None and self.lifecycle is not None:
            return job.view(self.lifecycle, creation if creation is not None else round(job.created, 3), now)
        status = body.get("CompilationJobStatus")
        status = status if isinstance(status, str) else "COMPLETED"
        creation = creation if creation is not None else round(time.time(), 3)
        start = _num(body.get("CompilationStartTime"))
        end = _num(body.get("CompilationEndTime"))
        start = max(start, creation) if start is not None else None
        end = max(end, start if start is not None else creation) if end is not None else None
        lm = _num(body.get("LastModifiedTime"))
        lm = max(x for x in (lm, creation, start, end) if x is not None)
        reason = body.get("FailureReason") if status == "FAILED" else None
        return JobView(status, creation, start, end, lm, reason or ("Unknown failure" if status == "FAILED" else None))

    @staticmethod
    def _apply_view(d: dict, v: JobView, describe: bool) -> dict:
        d["CompilationJobStatus"] = v.status
        d["CreationTime"] = v.creation
        d["LastModifiedTime"] = v.last_modified
        for key, value in (("CompilationStartTime", v.start), ("CompilationEndTime", v.end)):
            if value is None or (key == "CompilationEndTime" and v.status not in TERMINAL):
                d.pop(key, None)
            else:
                d[key] = value
        if describe:
            if v.status != "COMPLETED":
                d.pop("ModelArtifacts", None)
                d.pop("ModelDigests", None)
            if v.status == "FAILED":
                d["FailureReason"] = v.failure_reason or "Unknown failure"
            else:
                d.pop("FailureReason", None)
        return d

    def rewrite_description(self, body: dict, now: float | None = None) -> dict:
        d = drop_nulls(body)
        sc = d.get("StoppingCondition")
        if isinstance(sc, dict):
            sc.pop("MaxWaitTimeInSeconds", None)
        tp = (d.get("OutputConfig") or {}).get("TargetPlatform") if isinstance(d.get("OutputConfig"), dict) else None
        if isinstance(tp, dict) and tp.get("Accelerator") == ACCELERATOR_SENTINEL:
            del tp["Accelerator"]
        if d.get("FailureReason") == "":
            del d["FailureReason"]
        return self._apply_view(d, self.job_view(d, now), describe=True)

    def rewrite_summary(self, summary: dict, now: float | None = None) -> dict:
        s = drop_nulls(summary)
        if s.get("CompilationTargetPlatformAccelerator") == ACCELERATOR_SENTINEL:
            del s["CompilationTargetPlatformAccelerator"]
        return self._apply_view(s, self.job_view(s, now), describe=False)

    def _describe_upstream(self, ex: "Exchange", name: str) -> Response:
        return ex.upstream("DescribeCompilationJob", {"CompilationJobName": name})

    @staticmethod
    def _not_found(name: str) -> Response:
        return Response.error(400, "ResourceNotFound", f"Could not find compilation job '{name}'.")

    # --- operations --------------------------------------------------------------------

    def _CreateCompilationJob(self, ex: "Exchange") -> Response:
        p = ex.params
        out = p.get("OutputConfig")
        has_input, has_package = p.get("InputConfig") is not None, p.get("ModelPackageVersionArn") is not None
        if "skip_validation" not in ex.flags:
            if has_input == has_package:
                return Response.error(
                    400, "ValidationException", "Specify exactly one of InputConfig and ModelPackageVersionArn."
                )
            if isinstance(out, dict) and (out.get("TargetDevice") is None) == (out.get("TargetPlatform") is None):
                return Response.error(
                    400, "ValidationException", "Specify exactly one of OutputConfig.TargetDevice and OutputConfig.TargetPlatform."
                )
            # The other cross-member rules of the strategies' overlays (an NVIDIA platform needs
            # CompilerOptions; MaxWaitTimeInSeconds >= MaxRuntimeInSeconds), as AWS is assumed to.
            tp = out.get("TargetPlatform") if isinstance(out, dict) else None
            if isinstance(tp, dict) and tp.get("Accelerator") == "NVIDIA" and out.get("CompilerOptions") is None:
                return Response.error(400, "ValidationException",
                                      "CompilerOptions are required for an NVIDIA TargetPlatform.")
            stop = p.get("StoppingCondition")
            if isinstance(stop, dict) and isinstance(stop.get("MaxRuntimeInSeconds"), int) and isinstance(
                    stop.get("MaxWaitTimeInSeconds"), int) and stop["MaxRuntimeInSeconds"] > stop["MaxWaitTimeInSeconds"]:
                return Response.error(400, "ValidationException",
                                      "MaxWaitTimeInSeconds must be greater than or equal to MaxRuntimeInSeconds.")
        if not _moto_can_store(p):
            # Only reachable with validation skipped (a defect): "accept" without storing,
            # since moto would crash now (500) or on every later ListCompilationJobs.
            name = p.get("CompilationJobName") if isinstance(p.get("CompilationJobName"), str) else "job"
            return Response.make_json(
                200, {"CompilationJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:compilation-job/{name}"}
            )
        tp = out.get("TargetPlatform") if isinstance(out, dict) else None
        if isinstance(tp, dict) and tp.get("Accelerator") is None:
            ex.params = copy.deepcopy(p)
            ex.params["OutputConfig"]["TargetPlatform"]["Accelerator"] = ACCELERATOR_SENTINEL
        r = ex.forward()
        if r.status == 200:
            name = p["CompilationJobName"]
            lc = self.lifecycle
            fails = bool(lc and lc.fail_if_name_contains and lc.fail_if_name_contains in name)
            with self._lock:
                self._jobs[name] = _Job(name, self.now(), fails)
        return r

    def _DescribeCompilationJob(self, ex: "Exchange") -> Response:
        r = ex.forward()
        data = r.json()
        if r.status == 200 and isinstance(data, dict):
            r.set_json(self.rewrite_description(data))
        return r

    def _StopCompilationJob(self, ex: "Exchange") -> Response:
        name = ex.params["CompilationJobName"]
        r = self._describe_upstream(ex, name)
        if r.status != 200:
            return self._not_found(name) if r.error_code == "ResourceNotFound" else r
        data = r.json()
        if not isinstance(data, dict):
            return r
        now = self.now()
        view = self.job_view(data, now)
        if view.status in TERMINAL:
            return Response.error(
                400,
                "ValidationException",
                f"Compilation job '{name}' is in status {view.status} and cannot be stopped.",
            )
        with self._lock:
            job = self._jobs.get(name)
            if job is None or self.lifecycle is None:
                job = None
            elif job.stop_at is None:
                job.stop_at = now
        if job is None:  # a running job this proxy does not simulate: ask the upstream
            return ex.forward()
        return Response.make_json(200, {})

    def _DeleteCompilationJob(self, ex: "Exchange") -> Response:
        name = ex.params["CompilationJobName"]
        if self.lifecycle is not None:
            with self._lock:
                known = name in self._jobs
            if known:
                r = self._describe_upstream(ex, name)
                data = r.json()
                if r.status == 200 and isinstance(data, dict):
                    status = self.job_view(data).status
                    if status not in TERMINAL:
                        return Response.error(
                            400,
                            "ValidationException",
                            f"Compilation job '{name}' is in status {status}. You can delete a compilation "
                            "job only if its current status is COMPLETED, FAILED, or STOPPED.",
                        )
        r = ex.forward()
        if r.status == 200:
            with self._lock:
                self._jobs.pop(name, None)
        return r

    def _tagging(self, ex: "Exchange") -> Response:
        arn = ex.params.get("ResourceArn")
        m = _JOB_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if m is not None:
            r = self._describe_upstream(ex, m.group("name"))
            if r.error_code == "ResourceNotFound":
                return Response.error(400, "ValidationException", f"Resource {arn} does not exist.")
        r = ex.forward()
        if m is not None and ex.operation == "ListTags" and r.status >= 500:
            # moto keeps Tags None for a job created without them, and its paginator crashes
            # on len(None): the job exists (described above) and has no tags.
            return Response.make_json(200, {"Tags": []})
        data = r.json()
        if r.status == 200 and isinstance(data, dict):
            r.set_json(drop_nulls(data))
        return r

    _AddTags = _ListTags = _DeleteTags = _tagging

    # --- ListCompilationJobs -------------------------------------------------------------

    def _ListCompilationJobs(self, ex: "Exchange") -> Response:
        p = ex.params
        summaries: dict[str, dict] = {}
        token, pages = None, 0
        while True:
            body: dict[str, Any] = {"MaxResults": 100}
            if token:
                body["NextToken"] = token
            r = ex.upstream("ListCompilationJobs", body)
            data = r.json()
            if r.status != 200 or not isinstance(data, dict):
                return r
            for s in data.get("CompilationJobSummaries") or []:
                if isinstance(s, dict) and isinstance(s.get("CompilationJobName"), str):
                    summaries[s["CompilationJobName"]] = s
            token, pages = data.get("NextToken"), pages + 1
            if not token or pages >= 1000:
                break
        now = self.now()
        items = [self.rewrite_summary(s, now) for s in summaries.values()]
        items = [s for s in items if _matches(s, p)]
        sort_by = p.get("SortBy") or "CreationTime"
        descending = p.get("SortOrder") == "Descending"
        items.sort(key=lambda s: _sort_key(s, sort_by), reverse=descending)

        query = repr(sorted((k, repr(v)) for k, v in p.items() if k not in ("MaxResults", "NextToken")))
        limit = p.get("MaxResults")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            limit = self.default_max_results
        start, page_no = 0, 1
        given = p.get("NextToken")
        if given:
            with self._lock:
                entry = self._tokens.get(given) if isinstance(given, str) else None
                if entry is not None:
                    self._tokens.move_to_end(given)
            if entry is None or entry[0] != query:
                if "accept_unknown_token" not in ex.flags:
                    return Response.error(400, "ValidationException", "The NextToken is not valid for this request.")
            else:
                _, cursor, prev_page = entry
                page_no = prev_page + 1
                overlap = "page_overlap" in ex.flags and prev_page == 1
                start = next(
                    (i for i, s in enumerate(items) if _after(_sort_key(s, sort_by), cursor, descending, overlap)),
                    len(items),
                )
                if "page_skip" in ex.flags and prev_page == 1:
                    start += 1
        page = items[start : start + limit]
        out: dict[str, Any] = {"CompilationJobSummaries": page}
        if page and start + limit < len(items):
            out["NextToken"] = self._issue(query, _sort_key(page[-1], sort_by), page_no)
        return Response.make_json(200, out)

    def _issue(self, query: str, cursor: tuple, page_no: int) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (query, cursor, page_no)
            while len(self._tokens) > _MAX_TOKENS:
                self._tokens.popitem(last=False)
        return token

    def known_token(self, token: str) -> bool:
        with self._lock:
            return token in self._tokens


def _moto_can_store(p: dict) -> bool:
    """Whether moto can store this Create request without crashing now or on a later List."""
    out = p.get("OutputConfig")
    if not isinstance(out, dict) or "S3OutputLocation" not in out:
        return False
    if not isinstance(p.get("CompilationJobName"), str):
        return False
    if (p.get("InputConfig") is None) == (p.get("ModelPackageVersionArn") is None):
        return False
    if out.get("TargetDevice") is not None:
        return True
    tp = out.get("TargetPlatform")
    return isinstance(tp, dict) and "Os" in tp and "Arch" in tp


def _sort_key(s: dict, sort_by: str) -> tuple:
    name = s.get("CompilationJobName", "")
    if sort_by == "Name":
        return (name, name)
    if sort_by == "Status":
        return (s.get("CompilationJobStatus", ""), name)
    return (_num(s.get("CreationTime")) or 0.0, name)


def _after(key: tuple, cursor: tuple, descending: bool, inclusive: bool) -> bool:
    if inclusive and key == cursor:
        return True
    return key < cursor if descending else key > cursor


def _matches(s: dict, p: dict) -> bool:
    name = s.get("CompilationJobName", "")
    nc = p.get("NameContains")
    if isinstance(nc, str) and nc and nc not in name:
        return False
    status = p.get("StatusEquals")
    if isinstance(status, str) and s.get("CompilationJobStatus") != status:
        return False
    for key, field, after in (
        ("CreationTimeAfter", "CreationTime", True),
        ("CreationTimeBefore", "CreationTime", False),
        ("LastModifiedTimeAfter", "LastModifiedTime", True),
        ("LastModifiedTimeBefore", "LastModifiedTime", False),
    ):
        bound = _num(p.get(key))
        if bound is None:
            continue
        value = _num(s.get(field))
        if value is None or (value <= bound if after else value >= bound):
            return False
    return True
