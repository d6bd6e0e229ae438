"""The catalogue's protocol and clause defects do what they say through the fault proxy, and
nothing else: malformed_body_500, unknown_operation_200, wrong_content_type (protocol), and
framework_refuses_tflite, name_pattern_too_strict, platform_breaks_list,
list_ignores_status_enum (clauses the suite's per-clause tests are to kill).

Each also gets its probe in ``test_defects.PROBES`` (registered here), so
``test_defect_breaks_exactly_its_property`` covers it like every other defect."""

from __future__ import annotations

import pytest

from conformance.checks import protocol
from conformance.faults.validation import service_model

from .helpers import Api, create_request, unique
from .test_defects import probe

FRAMEWORKS = list(service_model().shape_for("Framework").enum)
JSON_11 = "application/x-amz-json-1.1"
PLATFORM = {"S3OutputLocation": "s3://neo-bucket/out/", "TargetPlatform": {"Os": "LINUX", "Arch": "ARM64"}}
PLATFORM_WITH_ACCELERATOR = {"S3OutputLocation": "s3://neo-bucket/out/",
                             "TargetPlatform": {"Os": "LINUX", "Arch": "X86_64", "Accelerator": "NVIDIA"},
                             "CompilerOptions": '{"gpu-code": "sm_72", "trt-ver": "6.0.1", "cuda-ver": "10.1"}'}


def _raw(api: Api, operation: str, body: bytes):
    return protocol.send_raw(api.client.meta.endpoint_url, protocol.target(operation), body, timeout=5)


def _long_name(name: str, length: int) -> str:
    return (name + "x" * length)[:length]


def _tflite(name: str) -> dict:
    return create_request(name, InputConfig={"S3Uri": "s3://neo-bucket/models/model.tflite",
                                             "DataInputConfig": '{"input":[1,224,224,3]}',
                                             "Framework": "TFLITE"})


# --- probes for test_defects -----------------------------------------------------------------------


@probe("malformed_body_500")
def body_not_json_is_a_client_error(api, name):
    return _raw(api, "CreateCompilationJob", b"not json").is_client_error


@probe("unknown_operation_200")
def unknown_operation_is_a_client_error(api, name):
    return _raw(api, "NoSuchOperation", b"{}").is_client_error


@probe("wrong_content_type")
def success_is_amz_json(api, name):
    assert api.create(name).status == 200
    return api.describe(name).headers.get("content-type") == JSON_11


@probe("framework_refuses_tflite")
def tflite_accepted(api, name):
    return api.call("create_compilation_job", **_tflite(name)).status == 200


@probe("name_pattern_too_strict")
def name_of_63_accepted(api, name):
    return api.create(_long_name(name, 63)).status == 200


@probe("platform_breaks_list")
def platform_job_leaves_list_working(api, name):
    assert api.create(name, OutputConfig=PLATFORM).status == 200
    ok = api.list(NameContains=name).status == 200
    assert api.call("delete_compilation_job", CompilationJobName=name).status == 200
    return ok


@probe("list_ignores_status_enum")
def unknown_status_refused(api, name):
    reply = api.list(StatusEquals="BOGUS")
    return (reply.status, reply.code) == (400, "ValidationException")


# --- malformed_body_500 ------------------------------------------------------------------------------


def test_malformed_body_500(open_proxy):
    faithful, _ = open_proxy()
    for op in ("CreateCompilationJob", "ListCompilationJobs"):
        reply = _raw(faithful, op, b'{"CompilationJobName": ')
        assert (reply.status, reply.error_code) == (400, "SerializationException"), reply.describe()
    api, _ = open_proxy(defects=["malformed_body_500"])
    for op in ("CreateCompilationJob", "DescribeCompilationJob", "ListCompilationJobs"):
        for body in (b'{"CompilationJobName": ', b"not json"):
            reply = _raw(api, op, body)
            assert reply.status == 500 and b"<html" in reply.raw_body, reply.describe()
            assert protocol.header(reply.headers, "Content-Type").startswith("text/html")
    name = unique("malformed")
    assert api.create(name).status == 200 and api.describe(name).status == 200  # JSON bodies: as ever


# --- unknown_operation_200 ---------------------------------------------------------------------------


def test_unknown_operation_200(open_proxy):
    faithful, _ = open_proxy()
    reply = _raw(faithful, "NoSuchOperation", b"{}")
    assert (reply.status, reply.error_code) == (400, "UnknownOperationException"), reply.raw_body
    api, _ = open_proxy(defects=["unknown_operation_200"])
    reply = _raw(api, "NoSuchOperation", b"{}")
    assert reply.status == 200 and reply.raw_body == b"{}", reply.describe()
    assert _raw(api, "ListCompilationJobs", b"{}").status == 200  # a known operation: as ever


# --- wrong_content_type ----------------------------------------------------------------------------


def test_wrong_content_type_only_on_successes(open_proxy):
    api, _ = open_proxy(defects=["wrong_content_type"])
    name = unique("ctype")
    for reply in (api.create(name), api.describe(name), api.list(NameContains=name)):
        assert reply.status == 200 and reply.headers.get("content-type") == "application/json", reply
    missing = api.describe(unique("missing"))
    assert missing.status == 400 and missing.headers.get("content-type") == JSON_11


# --- framework_refuses_tflite ----------------------------------------------------------------------


def test_framework_refuses_tflite_and_accepts_every_other_value(open_proxy):
    assert "TFLITE" in FRAMEWORKS
    faithful, _ = open_proxy()
    assert faithful.call("create_compilation_job", **_tflite(unique("tflite"))).status == 200
    api, proxy = open_proxy(defects=["framework_refuses_tflite"])
    name = unique("tflite")
    reply = api.call("create_compilation_job", **_tflite(name))
    assert (reply.status, reply.code) == (400, "ValidationException"), reply
    message = reply.json["message"]
    assert "'inputConfig.framework'" in message and "TFLITE" not in message.split("[", 1)[1]
    assert api.describe(name).status == 400  # refused: nothing created
    for framework in FRAMEWORKS:
        if framework == "TFLITE":
            continue
        request = create_request(unique(f"fw-{framework.lower()}"))
        request["InputConfig"]["Framework"] = framework
        assert api.call("create_compilation_job", **request).status == 200, framework
    assert proxy.journal[-1].source != "framework_refuses_tflite"


# --- name_pattern_too_strict -----------------------------------------------------------------------


@pytest.mark.parametrize("length,faithful_status,defect_status", [(40, 200, 200), (41, 200, 400), (63, 200, 400),
                                                                   (64, 400, 400)])
def test_name_pattern_too_strict(open_proxy, length, faithful_status, defect_status):
    faithful, _ = open_proxy()
    api, _ = open_proxy(defects=["name_pattern_too_strict"])
    for client, expected in ((faithful, faithful_status), (api, defect_status)):
        name = _long_name(unique(f"len{length}"), length)
        reply = client.create(name)
        assert reply.status == expected, (length, reply)
        if expected == 400:
            assert reply.code == "ValidationException" and "compilationJobName" in reply.json["message"]


# --- platform_breaks_list ------------------------------------------------------------------------


def test_platform_breaks_list_until_the_job_is_deleted(open_proxy):
    api, proxy = open_proxy(defects=["platform_breaks_list"])
    other, _ = open_proxy(defects=["platform_breaks_list"])  # its own state: never broken here
    assert api.list().status == 200
    with_accelerator = unique("accel")
    assert api.create(with_accelerator, OutputConfig=PLATFORM_WITH_ACCELERATOR).status == 200
    assert api.list(NameContains=with_accelerator).status == 200  # an Accelerator: no cascade
    assert api.create(unique("device")).status == 200  # a TargetDevice: no cascade
    assert api.list().status == 200

    name = unique("noaccel")
    assert api.create(name, OutputConfig=PLATFORM).status == 200
    for params in ({}, {"NameContains": name}, {"NameContains": "no-such-job"}, {"MaxResults": 1}):
        reply = api.list(**params)
        assert reply.status == 500 and b"KeyError: 'Accelerator'" in reply.body, (params, reply)
        assert reply.headers["content-type"].startswith("text/html")
    described = api.describe(name)
    assert described.status == 200
    assert described.json["OutputConfig"]["TargetPlatform"] == PLATFORM["TargetPlatform"]
    assert other.list(NameContains=name).status == 200

    refused = api.call("delete_compilation_job", CompilationJobName=unique("missing"))
    assert refused.status == 400 and api.list().status == 500  # only its own Delete heals it
    assert api.call("delete_compilation_job", CompilationJobName=name).status == 200
    assert api.list().status == 200
    assert proxy.state("platform_breaks_list")["breakers"] == set()


# --- list_ignores_status_enum --------------------------------------------------------------------


def test_list_ignores_status_enum_validates_everything_else(open_proxy):
    faithful, _ = open_proxy()
    reply = faithful.list(StatusEquals="BOGUS")
    assert (reply.status, reply.code) == (400, "ValidationException")

    api, _ = open_proxy(defects=["list_ignores_status_enum"])
    name = unique("status")
    assert api.create(name).status == 200
    reply = api.list(NameContains=name, StatusEquals="BOGUS")
    assert reply.status == 200 and reply.json == {"CompilationJobSummaries": []}, reply
    assert api.names(NameContains=name, StatusEquals="COMPLETED") == [name]  # known values: as ever
    for params, where in (({"StatusEquals": "BOGUS", "MaxResults": 0}, "maxResults"),
                          ({"StatusEquals": "BOGUS", "SortOrder": "Sideways"}, "sortOrder"),
                          ({"StatusEquals": "BOGUS", "NameContains": "bad name!"}, "nameContains"),
                          ({"StatusEquals": 5}, "statusEquals"),
                          ({"MaxResults": 0}, "maxResults")):
        reply = api.list(**params)
        assert (reply.status, reply.code) == (400, "ValidationException"), (params, reply)
        message = reply.json["message"]
        assert where in message, (params, message)
        if params.get("StatusEquals") == "BOGUS":
            assert "statusEquals" not in message, message
