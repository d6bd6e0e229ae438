"""The proxy itself: moto's server as upstream, the faithful layer (AWS-like behaviour where
moto deviates), the lifecycle simulation, and robustness (shutdown, sockets, timeouts)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.faults import DEFECTS, FaultProxy, Lifecycle, moto_server, start_moto_server
from conformance.faults.faithful import ACCELERATOR_SENTINEL

from .helpers import ROLE, Api, create_request, unique


def _port(url: str) -> int:
    return urllib.parse.urlparse(url).port


def _refused(url: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", _port(url)), timeout=1):
            return False
    except OSError:
        return True


def _raw(url: str, target: str | None, body: bytes, timeout: float = 5) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", _port(url), timeout=timeout)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sagemaker/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    if target:
        headers["X-Amz-Target"] = "SageMaker." + target
    try:
        conn.request("POST", "/", body, headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


# --- upstream -----------------------------------------------------------------------------------


def test_start_moto_server_picks_free_ports_and_stops_cleanly():
    url1, stop1 = start_moto_server()
    url2, stop2 = start_moto_server()
    try:
        assert url1.startswith("http://127.0.0.1:") and _port(url1) != _port(url2)
        status, _, body = _raw(url1, "ListCompilationJobs", b"{}")
        assert status == 200 and "CompilationJobSummaries" in json.loads(body)
    finally:
        stop1()
        stop2()
        stop1()  # idempotent
    assert _refused(url1) and _refused(url2)


# --- faithful flow with boto3 -----------------------------------------------------------------------


def test_faithful_create_describe_list_tags_stop_delete(open_proxy):
    api, proxy = open_proxy()
    c = api.client
    name = unique("flow")
    arn = c.create_compilation_job(**create_request(name, StoppingCondition={"MaxRuntimeInSeconds": 900, "MaxWaitTimeInSeconds": 1200}))[
        "CompilationJobArn"
    ]
    assert arn.endswith(f":compilation-job/{name}")

    d = c.describe_compilation_job(CompilationJobName=name)
    assert d["CompilationJobStatus"] == "COMPLETED"
    assert d["OutputConfig"]["TargetDevice"] == "amba_cv25"
    assert d["VpcConfig"] == {"SecurityGroupIds": ["sg-0123abcd"], "Subnets": ["subnet-0123abcd"]}
    assert d["StoppingCondition"] == {"MaxRuntimeInSeconds": 900}  # AWS describes MaxRuntime only
    assert "InferenceImage" in d and "ModelArtifacts" in d and "FailureReason" not in d
    assert d["CreationTime"] <= d["CompilationStartTime"] <= d["CompilationEndTime"] <= d["LastModifiedTime"]
    raw = api.describe(name)
    assert b": null" not in raw.body and isinstance(raw.json["CreationTime"], float)
    assert raw.headers.get("content-type") == "application/x-amz-json-1.1"

    (summary,) = c.list_compilation_jobs(NameContains=name)["CompilationJobSummaries"]
    assert summary["CompilationJobArn"] == arn and summary["CompilationTargetDevice"] == "amba_cv25"

    assert c.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "suite", "Value": "faults"}]
    c.add_tags(ResourceArn=arn, Tags=[{"Key": "more", "Value": "x"}])
    assert {"Key": "more", "Value": "x"} in c.list_tags(ResourceArn=arn)["Tags"]

    stop = api.call("stop_compilation_job", CompilationJobName=name)  # COMPLETED: terminal
    assert (stop.status, stop.code) == (400, "ValidationException")
    c.delete_compilation_job(CompilationJobName=name)
    assert api.describe(name).code == "ResourceNotFound"
    assert c.list_compilation_jobs(NameContains=name)["CompilationJobSummaries"] == []
    for op in ("describe_compilation_job", "stop_compilation_job", "delete_compilation_job"):
        missing = api.call(op, CompilationJobName=name)
        assert (missing.status, missing.code) == (400, "ResourceNotFound"), (op, missing)
        assert {"message", "Message"} & set(missing.json)  # moto says "Message", the layer "message"
    assert api.call("list_tags", ResourceArn=arn).code == "ValidationException"  # moto: 500
    dup = api.create(unique("dup"))
    assert dup.status == 200
    again = api.call("create_compilation_job", **create_request(dup.json["CompilationJobArn"].rsplit("/", 1)[1]))
    assert (again.status, again.code) == (400, "ResourceInUse")


def test_faithful_target_platform_without_accelerator_does_not_break_list(open_proxy):
    api, _ = open_proxy()
    name = unique("platform")
    platform = {"Os": "LINUX", "Arch": "ARM64"}
    out = {"S3OutputLocation": "s3://neo-bucket/out/", "TargetPlatform": platform}
    assert api.create(name, OutputConfig=out).status == 200
    assert api.describe(name).json["OutputConfig"]["TargetPlatform"] == platform
    reply = api.list(NameContains=name)
    assert reply.status == 200, reply  # moto alone: 500 KeyError 'Accelerator', for every List
    (s,) = reply.json["CompilationJobSummaries"]
    assert (s["CompilationTargetPlatformOs"], s["CompilationTargetPlatformArch"]) == ("LINUX", "ARM64")
    assert "CompilationTargetPlatformAccelerator" not in s
    assert ACCELERATOR_SENTINEL.encode() not in reply.body


@pytest.mark.parametrize(
    "overrides, where",
    [
        ({"OutputConfig": {"S3OutputLocation": "s3://b/o", "TargetDevice": "bogus"}}, "outputConfig.targetDevice"),
        ({"OutputConfig": {"S3OutputLocation": "s3://b/o"}}, "TargetDevice and OutputConfig.TargetPlatform"),
        ({"RoleArn": "not-a-role-arn-at-all-really"}, "roleArn"),
        ({"StoppingCondition": {"MaxRuntimeInSeconds": 0}}, "stoppingCondition.maxRuntimeInSeconds"),
        ({"InputConfig": {"S3Uri": "s3://b/m", "DataInputConfig": "{}", "Framework": "CAFFE3"}}, "inputConfig.framework"),
        ({"ModelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/p/1"}, "exactly one of InputConfig"),
        ({"Tags": [{"Key": "k"}]}, "tags.1.member.value"),
        ({"StoppingCondition": {"MaxRuntimeInSeconds": "900"}}, "stoppingCondition.maxRuntimeInSeconds"),
    ],
)
def test_faithful_rejects_invalid_create_and_creates_nothing(open_proxy, overrides, where):
    api, _ = open_proxy()
    name = unique("invalid")
    reply = api.create(name, **overrides)
    assert (reply.status, reply.code) == (400, "ValidationException"), reply
    assert where in reply.json["message"]
    assert api.describe(name).code == "ResourceNotFound"


def test_faithful_rejects_missing_required_undeclared_and_bad_name(open_proxy):
    api, proxy = open_proxy()
    name = unique("undeclared")
    body = json.dumps({**create_request(name), "Unexpected": 1}).encode()
    status, _, raw = _raw(proxy.url, "CreateCompilationJob", body)  # botocore refuses to send it
    assert status == 400 and json.loads(raw)["__type"] == "ValidationException" and "'unexpected'" in json.loads(raw)["message"]
    assert api.describe(name).code == "ResourceNotFound"
    req = create_request(unique("noout"))
    del req["OutputConfig"]
    reply = api.call("create_compilation_job", **req)  # moto alone: 500 TypeError
    assert (reply.status, reply.code) == (400, "ValidationException")
    assert "Value null at 'outputConfig' failed to satisfy constraint: Member must not be null" in reply.json["message"]
    assert api.describe("bad_name!").code == "ValidationException"


@pytest.mark.parametrize(
    "params",
    [{"MaxResults": 0}, {"MaxResults": 101}, {"StatusEquals": "Done"}, {"SortBy": "Size"}, {"NameContains": "a_b"}],
)
def test_faithful_rejects_invalid_list(open_proxy, params):
    api, _ = open_proxy()
    reply = api.list(**params)
    assert (reply.status, reply.code) == (400, "ValidationException"), reply


def test_faithful_pagination_filters_and_sorting(open_proxy):
    api, _ = open_proxy()
    prefix = unique("page")
    made = [f"{prefix}-{x}" for x in ("c", "a", "e", "b", "d")]
    for job in made:
        assert api.create(job).status == 200
        time.sleep(0.002)  # distinct CreationTime

    names, ended, replies = api.walk(NameContains=prefix, MaxResults=2)
    assert ended and names == made  # default sort: CreationTime, Ascending
    assert [len(r.json["CompilationJobSummaries"]) for r in replies] == [2, 2, 1]
    assert all("NextToken" in r.json for r in replies[:-1]) and "NextToken" not in replies[-1].json

    assert api.names(NameContains=prefix, SortBy="Name") == sorted(made)
    assert api.names(NameContains=prefix, SortBy="Name", SortOrder="Descending") == sorted(made, reverse=True)
    assert api.names(NameContains=prefix, SortOrder="Descending") == made[::-1]
    assert api.names(NameContains=prefix, SortBy="Status") == sorted(made)  # all COMPLETED: name breaks ties
    names, ended, _ = api.walk(NameContains=prefix, MaxResults=2, SortBy="Name", SortOrder="Descending")
    assert ended and names == sorted(made, reverse=True)

    assert api.names(NameContains=prefix, StatusEquals="COMPLETED") == made
    assert api.names(NameContains=prefix, StatusEquals="FAILED") == []
    # botocore sends timestamps as whole epoch seconds: fractional bounds need the raw wire
    third = api.describe(made[2]).json["CreationTime"]
    _, proxy = open_proxy()

    def raw_names(**params):
        status, _, body = _raw(proxy.url, "ListCompilationJobs", json.dumps({"NameContains": prefix, **params}).encode())
        assert status == 200, body
        return [s["CompilationJobName"] for s in json.loads(body)["CompilationJobSummaries"]]

    assert raw_names(CreationTimeAfter=third - 0.0005) == made[2:]
    assert raw_names(CreationTimeAfter=third) == made[3:]  # strict
    assert raw_names(CreationTimeBefore=third) == made[:2]
    assert raw_names(LastModifiedTimeAfter=third - 3600, LastModifiedTimeBefore=third + 3600) == made
    assert raw_names(LastModifiedTimeBefore=third - 3600) == []

    first = api.list(NameContains=prefix, MaxResults=2)
    token = first.json["NextToken"]
    assert api.list(NameContains=prefix, NextToken="garbage").code == "ValidationException"
    assert api.list(NameContains=prefix + "-a", NextToken=token).code == "ValidationException"  # other query
    assert api.list(NameContains=prefix, MaxResults=3, NextToken=token).status == 200  # page size may change

    paginated = [
        s["CompilationJobName"]
        for page in api.client.get_paginator("list_compilation_jobs").paginate(
            NameContains=prefix, PaginationConfig={"PageSize": 2}
        )
        for s in page["CompilationJobSummaries"]
    ]
    assert paginated == made

    # without MaxResults a page holds 10 items
    many = unique("many")
    for i in range(12):
        assert api.create(f"{many}-{i:02d}").status == 200
    page = api.list(NameContains=many)
    assert len(page.json["CompilationJobSummaries"]) == 10 and "NextToken" in page.json


class ManualClock:
    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def test_lifecycle_moves_through_statuses(open_proxy):
    clock = ManualClock()
    lc = Lifecycle(starting_s=10, inprogress_s=20, stopping_s=5, fail_if_name_contains="fail", clock=clock)
    api, _ = open_proxy(lifecycle=lc)
    ok, stopped, failed = unique("life-ok"), unique("life-stop"), unique("life-fail")
    for name in (ok, stopped, failed):
        assert api.create(name).status == 200
    seen: dict[str, list[dict]] = {ok: [], stopped: [], failed: []}

    def look() -> dict[str, str]:
        for name in seen:
            seen[name].append(api.describe(name).json)
        return {n: v[-1]["CompilationJobStatus"] for n, v in seen.items()}

    assert look() == {ok: "STARTING", stopped: "STARTING", failed: "STARTING"}
    first = seen[ok][0]
    for absent in ("CompilationStartTime", "CompilationEndTime", "ModelArtifacts", "ModelDigests", "FailureReason"):
        assert absent not in first
    assert first["LastModifiedTime"] == first["CreationTime"]
    assert api.names(NameContains="life-", StatusEquals="STARTING", MaxResults=100)[-3:] == [ok, stopped, failed]
    delete = api.call("delete_compilation_job", CompilationJobName=ok)  # not while running
    assert (delete.status, delete.code) == (400, "ValidationException")

    clock.advance(11)
    assert look() == {ok: "INPROGRESS", stopped: "INPROGRESS", failed: "INPROGRESS"}
    running = seen[ok][-1]
    assert running["CreationTime"] + 10 == pytest.approx(running["CompilationStartTime"], abs=0.01)
    assert running["LastModifiedTime"] == running["CompilationStartTime"]
    assert "CompilationEndTime" not in running and "ModelArtifacts" not in running and "FailureReason" not in running

    assert api.call("stop_compilation_job", CompilationJobName=stopped).status == 200
    assert api.call("stop_compilation_job", CompilationJobName=stopped).status == 200  # still STOPPING
    assert look()[stopped] == "STOPPING"
    assert "CompilationEndTime" not in seen[stopped][-1]
    assert api.names(NameContains=stopped, StatusEquals="STOPPING") == [stopped]
    assert api.call("delete_compilation_job", CompilationJobName=stopped).code == "ValidationException"

    clock.advance(6)
    assert look() == {ok: "INPROGRESS", stopped: "STOPPED", failed: "INPROGRESS"}
    clock.advance(20)
    assert look() == {ok: "COMPLETED", stopped: "STOPPED", failed: "FAILED"}
    done, end, bad = seen[ok][-1], seen[stopped][-1], seen[failed][-1]
    assert done["CreationTime"] <= done["CompilationStartTime"] <= done["CompilationEndTime"] == done["LastModifiedTime"]
    assert "ModelArtifacts" in done and "ModelDigests" in done and "FailureReason" not in done
    assert "CompilationEndTime" in end and "ModelArtifacts" not in end
    assert end["CompilationStartTime"] <= end["CompilationEndTime"] == end["LastModifiedTime"]
    assert bad["FailureReason"] == lc.failure_reason and "ModelArtifacts" not in bad

    # terminal states stay; Stop is refused; List agrees with Describe; filters see the lifecycle
    clock.advance(1000)
    assert look() == {ok: "COMPLETED", stopped: "STOPPED", failed: "FAILED"}
    for name in seen:
        assert api.call("stop_compilation_job", CompilationJobName=name).code == "ValidationException"
    summaries = {s["CompilationJobName"]: s for s in api.list(NameContains="life-", MaxResults=100).json["CompilationJobSummaries"]}
    for name, history in seen.items():
        s = summaries[name]
        assert s["CompilationJobStatus"] == history[-1]["CompilationJobStatus"]
        assert s["LastModifiedTime"] == history[-1]["LastModifiedTime"]
    assert api.names(NameContains=failed, StatusEquals="FAILED") == [failed]
    assert api.names(NameContains="life-", SortBy="Status", MaxResults=100)[-3:] == [ok, failed, stopped]

    # every observed sequence is a walk in the documented lifecycle
    walks = {name: _dedupe([d["CompilationJobStatus"] for d in history]) for name, history in seen.items()}
    assert walks == {
        ok: ["STARTING", "INPROGRESS", "COMPLETED"],
        stopped: ["STARTING", "INPROGRESS", "STOPPING", "STOPPED"],
        failed: ["STARTING", "INPROGRESS", "FAILED"],
    }
    for name in seen:
        assert api.call("delete_compilation_job", CompilationJobName=name).status == 200
        assert api.describe(name).code == "ResourceNotFound"


def test_lifecycle_in_real_time(open_proxy):
    api, _ = open_proxy(lifecycle=Lifecycle(starting_s=0.4, inprogress_s=0.4))
    name = unique("realtime")
    assert api.create(name).status == 200
    statuses, deadline = [], time.monotonic() + 10
    while time.monotonic() < deadline:
        statuses.append(api.describe(name).json["CompilationJobStatus"])
        if statuses[-1] == "COMPLETED":
            break
        time.sleep(0.02)
    assert _dedupe(statuses)[-1] == "COMPLETED" and set(statuses) <= {"STARTING", "INPROGRESS", "COMPLETED"}
    assert len(_dedupe(statuses)) >= 2


def _dedupe(statuses: list[str]) -> list[str]:
    return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]


def test_without_faithful_the_proxy_is_transparent(open_proxy):
    api, _ = open_proxy(faithful=False)
    name = unique("raw")
    assert api.create(name, StoppingCondition={"MaxRuntimeInSeconds": 900, "MaxWaitTimeInSeconds": 1000}).status == 200
    d = api.describe(name).json
    assert d["FailureReason"] == "" and d["StoppingCondition"]["MaxWaitTimeInSeconds"] == 1000  # moto as is
    assert api.call("stop_compilation_job", CompilationJobName=name).status == 500  # not implemented in moto
    bogus = unique("raw-bogus")
    assert api.create(bogus, OutputConfig={"S3OutputLocation": "s3://b/o", "TargetDevice": "bogus"}).status == 200
    with pytest.raises(ValueError, match="faithful"):
        FaultProxy("http://127.0.0.1:1", defects=["pages_drop_item"], faithful=False)


# --- robustness --------------------------------------------------------------------------------------


def test_defect_state_belongs_to_the_proxy(open_proxy):
    api1, p1 = open_proxy(defects=["intermittent_500"])
    api2, p2 = open_proxy(defects=["intermittent_500"])
    name = unique("state")
    assert api1.create(name).status == 200  # request 1 on p1
    assert [api1.describe(name).status for _ in range(2)] == [200, 200]  # request 2, sent twice
    assert [api1.describe(name + "-x").status for _ in range(2)] == [500, 500]  # request 3, each time
    assert [api2.describe(name).status for _ in range(2)] == [200, 200]  # request 1 on p2
    assert p1.states["intermittent_500"]["n"] == 3 and p2.states["intermittent_500"]["n"] == 1


def test_unknown_defect_name_is_refused_with_a_hint():
    with pytest.raises(KeyError, match="enum_misspelled"):
        FaultProxy("http://127.0.0.1:1", defects=["enum_mispelled"])
    with pytest.raises(ValueError):
        FaultProxy("localhost:1")


def test_upstream_down_gives_a_json_502_not_a_hang():
    with FaultProxy("http://127.0.0.1:9", upstream_timeout=2) as proxy:  # nothing listens on port 9
        status, headers, body = _raw(proxy.url, "DescribeCompilationJob", b'{"CompilationJobName":"x"}')
    assert status == 502 and json.loads(body)["__type"] == "ServiceUnavailable"


def test_non_json_request_and_foreign_targets(open_proxy, upstream):
    _, proxy = open_proxy()
    status, _, body = _raw(proxy.url, "DescribeCompilationJob", b"{not json")
    assert status == 400 and json.loads(body)["__type"] == "SerializationException"
    # an operation the faithful layer does not handle is forwarded untouched
    direct = _raw(upstream, "ListModels", b"{}")
    proxied = _raw(proxy.url, "ListModels", b"{}")
    assert proxied[0] == direct[0] == 200 and json.loads(proxied[2]) == json.loads(direct[2])


def test_concurrent_clients(open_proxy, session):
    api, proxy = open_proxy()
    prefix = unique("conc")

    def work(i: int) -> int:
        own = Api.connect(session, proxy.url)
        name = f"{prefix}-{i}"
        statuses = [own.create(name).status, own.describe(name).status, own.list(NameContains=name).status]
        return sum(s == 200 for s in statuses)

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(work, range(16))) == [3] * 16
    assert len(api.names(NameContains=prefix, MaxResults=100)) == 16
    assert not proxy.errors


def test_close_is_prompt_with_open_and_hanging_connections(upstream, session):
    proxy = FaultProxy(upstream, defects=["hang"]).start()
    url = proxy.url
    idle = socket.create_connection(("127.0.0.1", _port(url)), timeout=5)  # keep-alive, never sends
    api = Api.connect(session, url, read_timeout=10)
    name = unique("hang")
    assert api.create(name).status == 200
    hung = threading.Thread(target=api.describe, args=(name,), daemon=True)
    hung.start()
    time.sleep(0.3)
    started = time.monotonic()
    proxy.close()
    assert time.monotonic() - started < 3
    hung.join(5)
    assert not hung.is_alive()
    assert idle.recv(1) == b""  # the proxy closed the idle connection
    idle.close()
    assert _refused(url)
    deadline = time.monotonic() + 3
    while any(t.name.startswith("fault-proxy") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("fault-proxy")]
    proxy.close()  # idempotent


def test_connection_reset_is_a_connection_error(open_proxy):
    api, _ = open_proxy(defects=["connection_reset"])
    name = unique("reset")
    assert api.create(name).status == 200
    reply = api.describe(name)
    assert reply.status is None and reply.error is not None
    assert "connection" in type(reply.error).__name__.lower() or "Connection" in str(reply.error)


def test_journal_records_each_call(open_proxy):
    api, proxy = open_proxy(defects=["enum_misspelled"])
    name = unique("journal")
    api.create(name)
    api.describe(name)
    ops = [(e.operation, e.status, e.source) for e in proxy.journal]
    assert ops[-2:] == [("CreateCompilationJob", 200, "upstream"), ("DescribeCompilationJob", 200, "defect")]


def test_catalogue_has_the_founding_defects():
    for name in ("target_device_stale_enum", "drop_vpc_config", "drop_inference_image"):
        assert name in DEFECTS
    assert "amba_cv25" in DEFECTS["target_device_stale_enum"].description


def test_context_manager_moto_server():
    with moto_server() as url:
        assert _raw(url, "ListCompilationJobs", b"{}")[0] == 200
    assert _refused(url)


def test_role_constant_is_model_valid():
    from conformance.faults.validation import validate_input

    assert validate_input("CreateCompilationJob", create_request("x", RoleArn=ROLE)) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts file descriptors through /proc")
def test_no_leaked_sockets(upstream):
    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = fds()
    for _ in range(3):
        with FaultProxy(upstream, defects=["error_body_no_type"]) as proxy:
            for i in range(10):
                status, _, _ = _raw(proxy.url, "DescribeCompilationJob", json.dumps({"CompilationJobName": f"none-{i}"}).encode())
                assert status == 400
            idle = socket.create_connection(("127.0.0.1", _port(proxy.url)))
        idle.close()
    time.sleep(0.1)
    assert fds() <= before


def test_command_line_lists_and_serves():
    listed = subprocess.run([sys.executable, "-m", "conformance.faults", "--list"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == len(DEFECTS)
    served = subprocess.Popen(
        [sys.executable, "-m", "conformance.faults", "--defect", "enum_misspelled", "--lifecycle", "0.1,0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        url = served.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        status, _, body = _raw(url, "ListCompilationJobs", b"{}", timeout=30)
        assert status == 200 and "CompilationJobSummaries" in json.loads(body)
    finally:
        served.send_signal(signal.SIGTERM)
        assert served.wait(timeout=20) == 0
        served.stdout.close()
