"""Every defect in the catalogue changes the wire in the way it says, and nothing else is
needed to see it: a probe states one AWS-contract property, which holds through the
faithful proxy and fails through the proxy with that one defect."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from conformance.faults import DEFECTS, Lifecycle, describe
from conformance.faults.catalogue import Defect, _register, resolve
from conformance.faults.validation import service_model

from .helpers import Api, unique

STATUS_ENUM = set(service_model().shape_for("CompilationJobStatus").enum)
DESCRIBE_MEMBERS = set(service_model().operation_model("DescribeCompilationJob").output_shape.members)
QUICK = Lifecycle(starting_s=0.25, inprogress_s=0.25, stopping_s=0.15)

#: defect name -> (probe, lifecycle). A probe gets an Api and a fresh name prefix and returns
#: True when the backend behaved like AWS.
PROBES: dict[str, tuple] = {}


def probe(*names: str, lifecycle: Lifecycle | None = None, read_timeout: float = 5.0):
    def wrap(fn):
        for n in names:
            assert n not in PROBES, n
            PROBES[n] = (fn, lifecycle, read_timeout)
        return fn

    return wrap


def _created(api: Api, name: str, **overrides) -> dict:
    reply = api.create(name, **overrides)
    assert reply.status == 200, reply
    return reply.json


def _described(api: Api, name: str) -> dict | None:
    reply = api.describe(name)
    return reply.json if reply.status == 200 and isinstance(reply.json, dict) else None


# --- shape -----------------------------------------------------------------------------------


@probe("enum_misspelled")
def statuses_in_enum(api, name):
    _created(api, name)
    d = _described(api, name)
    summaries = api.list(NameContains=name).json["CompilationJobSummaries"]
    return d["CompilationJobStatus"] in STATUS_ENUM and all(s["CompilationJobStatus"] in STATUS_ENUM for s in summaries)


@probe("drop_vpc_config")
def vpc_config_round_trips(api, name):
    _created(api, name)
    return _described(api, name).get("VpcConfig") == {"SecurityGroupIds": ["sg-0123abcd"], "Subnets": ["subnet-0123abcd"]}


@probe("drop_inference_image")
def inference_image_described(api, name):
    _created(api, name)
    return "InferenceImage" in _described(api, name)


@probe("drop_model_artifacts")
def completed_job_has_artifacts(api, name):
    _created(api, name)
    d = _described(api, name)
    return d["CompilationJobStatus"] == "COMPLETED" and "ModelArtifacts" in d


@probe("missing_required_member")
def arn_present(api, name):
    _created(api, name)
    return "CompilationJobArn" in _described(api, name)


@probe("timestamp_as_string")
def timestamps_are_numbers(api, name):
    _created(api, name)
    d = _described(api, name)
    return all(isinstance(d[k], (int, float)) for k in ("CreationTime", "LastModifiedTime"))


@probe("wrong_type_member")
def max_runtime_is_integer(api, name):
    _created(api, name)
    return _described(api, name)["StoppingCondition"]["MaxRuntimeInSeconds"] == 900


@probe("null_member")
def no_nulls(api, name):
    _created(api, name)

    def has_null(v):
        if isinstance(v, dict):
            return any(has_null(x) for x in v.values())
        if isinstance(v, list):
            return any(has_null(x) for x in v)
        return v is None

    return not has_null(_described(api, name))


@probe("undeclared_member")
def only_declared_members(api, name):
    _created(api, name)
    return set(_described(api, name)) <= DESCRIBE_MEMBERS


@probe("non_json_body")
def body_is_json(api, name):
    _created(api, name)
    reply = api.describe(name)
    return reply.status == 200 and isinstance(reply.json, dict) and reply.error is None


# --- round trip --------------------------------------------------------------------------------


@probe("arn_wrong_name")
def arn_names_the_job(api, name):
    _created(api, name)
    return _described(api, name)["CompilationJobArn"].endswith(f":compilation-job/{name}")


@probe("roundtrip_alters_field")
def role_round_trips(api, name):
    _created(api, name)
    from .helpers import ROLE

    return _described(api, name)["RoleArn"] == ROLE


@probe("tags_dropped")
def tags_round_trip(api, name):
    arn = _created(api, name)["CompilationJobArn"]
    reply = api.call("list_tags", ResourceArn=arn)
    return reply.status == 200 and {"Key": "suite", "Value": "faults"} in reply.json["Tags"]


@probe("list_summary_drops_target")
def summary_has_target(api, name):
    _created(api, name)
    (s,) = api.list(NameContains=name).json["CompilationJobSummaries"]
    return s.get("CompilationTargetDevice") == "amba_cv25"


# --- invalid input -----------------------------------------------------------------------------


@probe("target_device_stale_enum")
def amba_cv25_accepted(api, name):
    return api.create(name).status == 200 and _described(api, name) is not None


@probe("target_device_enum_2021")
def every_target_device_accepted(api, name):
    out = {"S3OutputLocation": "s3://neo-bucket/out/"}
    return all(api.create(f"{name}-{i}", OutputConfig={**out, "TargetDevice": device}).status == 200
               for i, device in enumerate(service_model().shape_for("TargetDevice").enum))


def test_the_2021_device_list_is_botocore_1_20_102s():
    """The stale emulator's snapshot is exactly the enum of the founding update's model."""
    import json
    from pathlib import Path

    from conformance.faults.catalogue import _DEVICES_2021

    fixture = Path(__file__).parents[1] / "reports/fixtures/sagemaker-1.20.102-compilation.json"
    assert set(json.loads(fixture.read_text())["shapes"]["TargetDevice"]["enum"]) == _DEVICES_2021


@probe("invalid_input_accepted")
def invalid_enum_rejected(api, name):
    reply = api.create(name, OutputConfig={"S3OutputLocation": "s3://neo-bucket/out/", "TargetDevice": "bogus_device"})
    gone = api.describe(name)
    return reply.status == 400 and reply.code == "ValidationException" and gone.code == "ResourceNotFound"


@probe("list_validation_skipped")
def list_max_results_range_enforced(api, name):
    return all(api.list(MaxResults=k).code == "ValidationException" for k in (0, 101))


# --- errors ----------------------------------------------------------------------------------


@probe("describe_missing_wrong_code")
def missing_is_resource_not_found(api, name):
    reply = api.describe(name)
    return reply.status == 400 and reply.code in ("ResourceNotFound", "ValidationException")


@probe("duplicate_name_accepted")
def duplicate_is_resource_in_use(api, name):
    _created(api, name)
    reply = api.create(name)
    return reply.status == 400 and reply.code == "ResourceInUse"


@probe("error_body_no_type")
def error_body_has_type(api, name):
    reply = api.describe(name)
    return reply.status == 400 and isinstance(reply.json, dict) and "__type" in reply.json


@probe("delete_noop")
def delete_removes(api, name):
    _created(api, name)
    deleted = api.call("delete_compilation_job", CompilationJobName=name)
    return deleted.status == 200 and api.describe(name).code == "ResourceNotFound" and api.names(NameContains=name) == []


@probe("deleted_still_listed")
def deleted_job_not_listed(api, name):
    _created(api, name)
    assert _described(api, name) is not None
    deleted = api.call("delete_compilation_job", CompilationJobName=name)
    return deleted.status == 200 and api.names(NameContains=name) == []


@probe("delete_missing_ok")
def delete_missing_is_not_found(api, name):
    return api.call("delete_compilation_job", CompilationJobName=name).code == "ResourceNotFound"


@probe("stop_missing_ok")
def stop_missing_is_not_found(api, name):
    return api.call("stop_compilation_job", CompilationJobName=name).code == "ResourceNotFound"


# --- pagination --------------------------------------------------------------------------------


def _make(api, name, n):
    names = [f"{name}-{i}" for i in range(n)]
    for job in names:
        _created(api, job)
    return names


@probe("ignore_max_results")
def pages_bounded(api, name):
    _make(api, name, 3)
    _, ended, replies = api.walk(NameContains=name, MaxResults=2)
    return ended and all(len(r.json["CompilationJobSummaries"]) <= 2 for r in replies)


@probe("next_token_never_ends", "pages_duplicate_item", "pages_drop_item")
def walk_returns_each_once(api, name):
    made = _make(api, name, 3)
    names, ended, _ = api.walk(max_pages=8, NameContains=name, MaxResults=1)
    return ended and sorted(names) == made


@probe("last_page_has_token")
def last_page_without_token(api, name):
    _make(api, name, 1)
    reply = api.list(NameContains=name)
    return reply.status == 200 and "NextToken" not in reply.json


@probe("garbage_token_accepted")
def garbage_token_rejected(api, name):
    _make(api, name, 1)
    reply = api.list(NameContains=name, NextToken="bm90LWEtdG9rZW4=")
    return reply.status is not None and 400 <= reply.status < 500


# --- filters and sorting -----------------------------------------------------------------------


@probe("ignore_name_contains")
def name_filter_applied(api, name):
    _created(api, name)
    _created(api, unique("decoy"))
    names = api.names(NameContains=name, MaxResults=100)
    return names == [name]


@probe("ignore_status_equals")
def status_filter_applied(api, name):
    _created(api, name)
    return api.names(NameContains=name, StatusEquals="FAILED") == []


@probe("ignore_creation_time_filter")
def creation_filter_applied(api, name):
    _created(api, name)
    t = _described(api, name)["CreationTime"]
    before = dt.datetime.fromtimestamp(t - 3600, dt.timezone.utc)
    return api.names(NameContains=name, CreationTimeBefore=before) == []


@probe("ignore_last_modified_time_filter")
def last_modified_filter_applied(api, name):
    _created(api, name)
    t = _described(api, name)["LastModifiedTime"]
    after = dt.datetime.fromtimestamp(t + 3600, dt.timezone.utc)
    return api.names(NameContains=name, LastModifiedTimeAfter=after) == []


@probe("sort_ignored", "sort_order_reversed")
def sorted_by_name_descending(api, name):
    made = [f"{name}-{x}" for x in ("b", "a", "c")]  # creation order differs from name order
    for job in made:
        _created(api, job)
    return api.names(NameContains=name, SortBy="Name", SortOrder="Descending") == sorted(made, reverse=True)


# --- lifecycle ---------------------------------------------------------------------------------


@probe("stop_on_terminal_accepted")
def stop_of_completed_rejected(api, name):
    _created(api, name)
    reply = api.call("stop_compilation_job", CompilationJobName=name)
    return reply.status == 400 and reply.code == "ValidationException"


@probe("stop_running_rejected", lifecycle=QUICK)
def stop_of_running_accepted(api, name):
    _created(api, name)
    return api.call("stop_compilation_job", CompilationJobName=name).status == 200


@probe("terminal_status_changes")
def terminal_status_stays(api, name):
    _created(api, name)
    statuses = [_described(api, name)["CompilationJobStatus"] for _ in range(3)]
    return statuses == ["COMPLETED"] * 3


@probe("stopped_job_completes", lifecycle=QUICK)
def stopped_job_ends_stopped(api, name):
    _created(api, name)
    assert api.call("stop_compilation_job", CompilationJobName=name).status == 200
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        status = _described(api, name)["CompilationJobStatus"]
        if status not in ("STARTING", "INPROGRESS", "STOPPING"):
            return status == "STOPPED"
        time.sleep(0.05)
    return False


@probe("timestamps_unordered")
def timestamps_ordered(api, name):
    _created(api, name)
    d = _described(api, name)
    (s,) = api.list(NameContains=name).json["CompilationJobSummaries"]
    return d["CreationTime"] <= d["LastModifiedTime"] and s["CreationTime"] <= s["LastModifiedTime"]


# --- robustness --------------------------------------------------------------------------------


@probe("intermittent_500")
def never_500(api, name):
    _created(api, name)
    return all(api.describe(f"{name}{i}").status != 500 for i in range(5))


@probe("connection_reset")
def always_answers(api, name):
    _created(api, name)
    return api.describe(name).status == 200


@probe("hang", read_timeout=1.0)
def answers_in_time(api, name):
    _created(api, name)
    return api.describe(name).status == 200


# --- the tests -----------------------------------------------------------------------------------


def test_catalogue_is_complete_and_well_formed():
    assert len(DEFECTS) >= 24
    assert set(PROBES) == set(DEFECTS), "every defect needs a probe here, and every probe a defect"
    # `conformance selftest --list` prints these: one line per defect, named as --defect takes it.
    assert describe() == [f"{name}: {d.description}" for name, d in DEFECTS.items()]
    for name, d in DEFECTS.items():
        assert name.isidentifier(), name
        assert d.description and "\n" not in d.description and len(d.description) < 160, name


def test_registry_refuses_a_taken_name_a_missing_one_and_an_unknown_kind():
    """The registry is what guarantees each defect's name and kind, so that is what is tested."""
    before = dict(DEFECTS)
    with pytest.raises(ValueError, match="taken"):
        _register(type("Again", (Defect,), {"name": "drop_vpc_config", "kind": "roundtrip"}))
    with pytest.raises(ValueError, match="missing"):
        _register(type("Nameless", (Defect,), {"kind": "shape"}))
    with pytest.raises(ValueError, match="unknown kind 'speed'"):
        _register(type("Odd", (Defect,), {"name": "odd_one_out", "kind": "speed"}))
    assert DEFECTS == before
    assert resolve("drop_vpc_config") is DEFECTS["drop_vpc_config"]
    with pytest.raises(KeyError, match="did you mean drop_vpc_config"):
        resolve("drop_vpc_confg")


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_breaks_exactly_its_property(defect, open_proxy):
    fn, lifecycle, read_timeout = PROBES[defect]
    faithful_api, _ = open_proxy(lifecycle=lifecycle, read_timeout=read_timeout)
    assert fn(faithful_api, unique(defect)) is True, faithful_api.log
    defective_api, _ = open_proxy(defects=[defect], lifecycle=lifecycle, read_timeout=read_timeout)
    assert fn(defective_api, unique(defect)) is False, defective_api.log


# The protocol and clause defects' probes live beside their own tests; importing them here
# registers them whichever of the two files pytest collects first (or alone).
from . import test_clause_defects  # noqa: E402,F401
