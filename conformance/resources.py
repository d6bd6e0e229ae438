"""Resource families from the botocore model: one spec per family, the same checks for all.

A family is what ``CreateX`` and ``DescribeX`` share (``Model``, ``CompilationJob``). Most of
its spec is in the model: the operations by name (Create/Describe/List/Update/Delete/Stop/Start),
the identifier (Describe's required input members: sent by Create, or assigned in Create's
output), the ARN member of Create's output, the status member of Describe's output with its
enum, the List page member, token and limit (``paginators-1.json``), its summary shape and the
filters it declares. Terminal states come from ``waiters-2.json`` where a waiter follows the
status member, else from the enum by name (Completed, Failed, Stopped, ...).

What the model cannot say is declared in :data:`OVERLAY` (irregular names, shared operations),
:data:`NEEDS` (a Create that names another resource) and :data:`COSTLY` (families that cost
money while they exist). All three are checked against the model at import: a name the model
does not know fails with the valid names listed.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import ConformanceError
from .model import SERVICE, service_model


class SpecError(ConformanceError):
    """An overlay names an operation, member or family the model does not know."""


#: List input members the generic filter checks know how to judge against an oracle.
FILTERS = ("NameContains", "StatusEquals", "SortBy", "SortOrder", "CreationTimeAfter",
           "CreationTimeBefore", "LastModifiedTimeAfter", "LastModifiedTimeBefore", "MaxResults")
#: Status values that end waiting when no waiter names the terminal states (compared in lower
#: case without ``_``): a job that ended, or a resource that settled.
TERMINAL_WORDS = frozenset({"completed", "failed", "stopped", "deleted", "inservice", "created",
                            "createfailed", "updatefailed", "deletefailed", "succeeded", "active",
                            "ready", "outofservice", "createcompleted", "updatecompleted",
                            "deletecompleted"})

#: Irregular families: family -> fields that replace what the names would give. Checked at import.
OVERLAY: dict[str, dict[str, Any]] = {
    # AutoML V2 jobs are listed and stopped through the V1 operations (aws-docs:
    # ListAutoMLJobs / StopAutoMLJob document both versions).
    "AutoMLJobV2": {"list": "ListAutoMLJobs", "stop": "StopAutoMLJob"},
    # The monitoring job definitions name themselves JobDefinitionName, not <Family>Name.
    "DataQualityJobDefinition": {"name_member": "JobDefinitionName"},
    "ModelBiasJobDefinition": {"name_member": "JobDefinitionName"},
    "ModelExplainabilityJobDefinition": {"name_member": "JobDefinitionName"},
    "ModelQualityJobDefinition": {"name_member": "JobDefinitionName"},
    "InferenceExperiment": {"name_member": "Name"},
    "InferenceRecommendationsJob": {"name_member": "JobName"},
    # Identified by an id or ARN the backend assigns; the run's name goes into Name.
    "ClusterSchedulerConfig": {"name_member": "Name"},
    "ComputeQuota": {"name_member": "Name"},
    "MlflowApp": {"name_member": "Name"},
    "PartnerApp": {"name_member": "Name"},
}

#: Summaries that name an item by another member than the Create's: family -> member.
SUMMARY_NAME: dict[str, str] = {
    "DataQualityJobDefinition": "MonitoringJobDefinitionName",
    "ModelBiasJobDefinition": "MonitoringJobDefinitionName",
    "ModelExplainabilityJobDefinition": "MonitoringJobDefinitionName",
    "ModelQualityJobDefinition": "MonitoringJobDefinitionName",
}

#: A Create that names another resource: family -> {member path in its request: family made
#: first}. The sweep creates that one first and puts its identifier there.
NEEDS: dict[str, dict[str, str]] = {
    "EndpointConfig": {"ProductionVariants[].ModelName": "Model"},
    "Endpoint": {"EndpointConfigName": "EndpointConfig"},
    "TransformJob": {"ModelName": "Model"},
    "ImageVersion": {"ImageName": "Image"},
    "Trial": {"ExperimentName": "Experiment"},
    "App": {"DomainId": "Domain"},
    "Space": {"DomainId": "Domain"},
    "UserProfile": {"DomainId": "Domain"},
    "MonitoringSchedule": {"MonitoringScheduleConfig.MonitoringJobDefinitionName": "DataQualityJobDefinition"},
}

#: Families that cost money while they exist (or while they run) on a real account. A sweep
#: that records against AWS creates them only when the user names them explicitly.
COSTLY: frozenset[str] = frozenset({
    "AIBenchmarkJob", "AIRecommendationJob", "App", "AutoMLJob", "AutoMLJobV2", "Cluster",
    "Domain", "EdgeDeploymentPlan", "Endpoint", "FeatureGroup", "HyperParameterTuningJob",
    "InferenceComponent", "InferenceExperiment", "InferenceRecommendationsJob", "LabelingJob",
    "MlflowApp", "MlflowTrackingServer", "MonitoringSchedule", "NotebookInstance",
    "OptimizationJob", "PartnerApp", "ProcessingJob", "Project", "Space", "TrainingJob",
    "TrainingPlan", "TransformJob", "Workforce", "Hub", "EdgePackagingJob",
})


@dataclass(frozen=True)
class ListSpec:
    """How a family is listed: the page member, its summary shape, token and limit, and the
    filters the List input declares (of :data:`FILTERS`)."""

    operation: str
    page: str
    summary: str
    token: str
    limit: str | None
    filters: tuple[str, ...]
    #: Members of the summary that name an item (the identifier members it carries).
    name_member: str | None
    sort_by: tuple[str, ...] = ()
    status_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceSpec:
    family: str
    create: str
    describe: str
    list: ListSpec | None
    delete: str | None
    stop: str | None
    update: str | None
    start: str | None
    #: Describe's required input members: what identifies one resource.
    identifier: tuple[str, ...]
    #: The Create input member that carries the run's name (None: the backend assigns the id).
    name_member: str | None
    #: Identifier members Create's output assigns (``DomainId``), not sent by the caller.
    assigned: tuple[str, ...]
    arn_member: str | None
    status_member: str | None
    status_enum: tuple[str, ...]
    terminal: frozenset[str]
    #: Where ``terminal`` comes from: ``waiters`` or ``enum-names``.
    terminal_basis: str | None
    needs: Mapping[str, str] = field(default_factory=dict)
    costly: bool = False

    @property
    def operations(self) -> tuple[str, ...]:
        ops = (self.create, self.describe, self.list and self.list.operation, self.update,
               self.delete, self.stop, self.start)
        return tuple(dict.fromkeys(op for op in ops if op))

    def ident(self, sent: Mapping[str, Any], created: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Describe's identifier of the resource Create made from ``sent`` (with what Create
        answered, ``created``, for assigned ids); members it could not find are left out."""
        out = {}
        for member in self.identifier:
            if member in sent:
                out[member] = sent[member]
            elif created and member in created:
                out[member] = created[member]
        return out

    def request_for(self, operation: str | None, ident: Mapping[str, Any]) -> dict[str, Any] | None:
        """The request of ``operation`` (Delete, Stop, ...) for the resource ``ident``; None when
        it needs a required member the identifier does not give."""
        if operation is None:
            return None
        shape = service_model().operation_model(operation).input_shape
        required = shape.required_members if shape else []
        if any(m not in ident for m in required):
            return None
        return {m: v for m, v in ident.items() if shape and m in shape.members}

    def status_of(self, body: Any) -> str | None:
        if not self.status_member or not isinstance(body, dict):
            return None
        value = body.get(self.status_member)
        return value if isinstance(value, str) else None

    def settled(self, status: str | None) -> bool:
        """True when waiting can end: no lifecycle (no status member or no terminal state), a
        terminal status, or none read."""
        return not self.terminal or status is None or status in self.terminal


def _ops() -> frozenset[str]:
    return frozenset(service_model().operation_names)


def _loader_data(kind: str) -> dict[str, Any]:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    return loader.load_service_model(SERVICE, kind)


@functools.cache
def _paginators() -> dict[str, Any]:
    return dict(_loader_data("paginators-1").get("pagination", {}))


@functools.cache
def _waiters() -> dict[str, Any]:
    return dict(_loader_data("waiters-2").get("waiters", {}))


def _members(operation: str | None, output: bool = False) -> dict[str, Any]:
    if not operation:
        return {}
    model = service_model().operation_model(operation)
    shape = model.output_shape if output else model.input_shape
    return dict(shape.members) if shape is not None else {}


def _first(candidates: list[str], known: frozenset[str] | dict[str, Any]) -> str | None:
    return next((c for c in candidates if c in known), None)


def _plural(family: str) -> list[str]:
    stem = family[:-1] if family.endswith("y") else None
    return [f"List{family}s", f"List{family}es"] + ([f"List{stem}ies"] if stem else [])


def _status(family: str, describe: str) -> tuple[str | None, tuple[str, ...], frozenset[str], str | None]:
    out = _members(describe, output=True)
    member = _first([f"{family}Status", "Status"], out) or next(
        (m for m, s in out.items() if m.endswith("Status") and getattr(s, "enum", None)), None)
    if member is None or not getattr(out[member], "enum", None):
        return None, (), frozenset(), None
    enum = tuple(out[member].enum)
    from_waiters = {a["expected"] for w in _waiters().values() if w["operation"] == describe
                    for a in w["acceptors"] if a.get("argument") == member and a["expected"] in enum}
    if from_waiters:
        return member, enum, frozenset(from_waiters), "waiters"
    by_name = {v for v in enum if v.lower().replace("_", "") in TERMINAL_WORDS}
    return member, enum, frozenset(by_name), "enum-names"


def _list_spec(family: str, operation: str | None, identifier: tuple[str, ...], name_member: str | None,
               status_enum: tuple[str, ...]) -> ListSpec | None:
    if operation is None:
        return None
    pager = _paginators().get(operation)
    out = _members(operation, output=True)
    if pager is not None:
        page, token, limit = pager["result_key"], pager["input_token"], pager.get("limit_key")
    else:
        page = next((m for m, s in out.items() if s.type_name == "list"), None)
        token, limit = "NextToken", "MaxResults" if "MaxResults" in _members(operation) else None
    if not isinstance(page, str) or page not in out:
        return None
    summary = out[page].member
    inputs = _members(operation)
    filters = tuple(f for f in FILTERS if f in inputs)
    summary_members = summary.members if summary.type_name == "structure" else {}
    name = _first([m for m in (SUMMARY_NAME.get(family), name_member, *identifier) if m] + [f"{family}Name"],
                  summary_members)
    sort_by = tuple(getattr(inputs["SortBy"], "enum", None) or ()) if "SortBy" in inputs else ()
    status_values = tuple(getattr(inputs["StatusEquals"], "enum", None) or status_enum) if "StatusEquals" in inputs else ()
    return ListSpec(operation, page, summary.name, token, limit, filters, name, sort_by, status_values)


def derive(family: str) -> ResourceSpec:
    """The spec of ``family`` from the model and the overlays."""
    ops = _ops()
    create, describe = f"Create{family}", f"Describe{family}"
    if create not in ops or describe not in ops:
        raise SpecError(f"no resource family {family!r} (needs Create{family} and Describe{family}); "
                        f"families: {', '.join(families())}")
    over = OVERLAY.get(family, {})
    shape = service_model().operation_model(describe).input_shape
    identifier = tuple(shape.required_members) if shape else ()
    create_in, create_out = _members(create), _members(create, output=True)
    name_member = over.get("name_member") or _first([f"{family}Name", *identifier], create_in)
    assigned = tuple(m for m in identifier if m not in create_in and m in create_out)
    arn = _first([f"{family}Arn", "Arn"], create_out) or next((m for m in create_out if m.endswith("Arn")), None)
    status, enum, terminal, basis = _status(family, describe)
    list_op = over.get("list") or _first(_plural(family), ops)
    return ResourceSpec(
        family=family, create=create, describe=describe,
        list=_list_spec(family, list_op, identifier, name_member, enum),
        delete=over.get("delete") or _first([f"Delete{family}"], ops),
        stop=over.get("stop") or _first([f"Stop{family}"], ops),
        update=_first([f"Update{family}"], ops), start=_first([f"Start{family}"], ops),
        identifier=identifier, name_member=name_member, assigned=assigned, arn_member=arn,
        status_member=status, status_enum=enum, terminal=terminal, terminal_basis=basis,
        needs=dict(NEEDS.get(family, {})), costly=family in COSTLY,
    )


@functools.cache
def families() -> tuple[str, ...]:
    """Every family of the model: X with both CreateX and DescribeX, sorted."""
    ops = _ops()
    return tuple(sorted(op[6:] for op in ops if op.startswith("Create") and f"Describe{op[6:]}" in ops))


@functools.cache
def spec(family: str) -> ResourceSpec:
    return derive(family)


def specs(names: list[str] | tuple[str, ...] | None = None) -> list[ResourceSpec]:
    """The specs of ``names`` (default: every family), in the order given."""
    return [spec(name) for name in (names or families())]


def _unknown(kind: str, name: str, valid: list[str] | tuple[str, ...] | frozenset[str]) -> SpecError:
    close = difflib.get_close_matches(name, list(valid), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return SpecError(f"unknown {kind} {name!r}.{hint} Valid: {', '.join(sorted(valid))}")


def _member_path_known(operation: str, path: str) -> bool:
    shape = service_model().operation_model(operation).input_shape
    for part in path.split("."):
        key = part.removesuffix("[]")
        if shape is None or shape.type_name != "structure" or key not in shape.members:
            return False
        shape = shape.members[key]
        if part.endswith("[]"):
            shape = shape.member if shape.type_name == "list" else None
    return True


def validate_overlays() -> None:
    """Every overlay names families, operations and members the model knows."""
    names = families()
    ops = _ops()
    for family, fields in OVERLAY.items():
        if family not in names:
            raise _unknown("family in resources.OVERLAY", family, names)
        for key, value in fields.items():
            if key == "name_member":
                if value not in _members(f"Create{family}"):
                    raise _unknown(f"member of Create{family} in resources.OVERLAY", value,
                                   tuple(_members(f"Create{family}")))
            elif key in ("list", "stop", "delete"):
                if value not in ops:
                    raise _unknown(f"operation in resources.OVERLAY[{family!r}]", value, ops)
            else:
                raise _unknown(f"overlay field of {family}", key, ("name_member", "list", "stop", "delete"))
    for family, paths in NEEDS.items():
        for name in (family, *paths.values()):
            if name not in names:
                raise _unknown("family in resources.NEEDS", name, names)
        for path in paths:
            if not _member_path_known(f"Create{family}", path):
                raise _unknown(f"member path of Create{family} in resources.NEEDS", path,
                               tuple(_members(f"Create{family}")))
    for family, member in SUMMARY_NAME.items():
        summary = spec(family).list
        members = service_model().shape_for(summary.summary).members if summary else {}
        if member not in members:
            raise _unknown(f"member of the {family} summary in resources.SUMMARY_NAME", member, tuple(members))
    for family in COSTLY:
        if family not in names:
            raise _unknown("family in resources.COSTLY", family, names)


validate_overlays()
