"""Behavioural checks over a scenario: a sequence of exchanges, not one response.

Each judges what a group of calls shows (a listing walk, a duplicate create, a request the
model forbids). They receive the exchange the verdict hangs on and, in ``ctx.expect``, what
the scenario observed around it.
"""

from __future__ import annotations

import re
from typing import Any

from .. import overlays
from ..exchange import Exchange
from .registry import CheckContext, Mismatch, always, on_success, register

_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:compilation-job/(?P<name>.+)")


@register("arn-names-job", basis="aws-docs", applies=on_success,
          operations=("CreateCompilationJob", "DescribeCompilationJob"))
def arn_names_job(exchange: Exchange, ctx: CheckContext) -> None:
    """CompilationJobArn has the documented form
    ``arn:aws:sagemaker:<region>:<account>:compilation-job/<name>`` and names this job.
    Compared case-insensitively: whether AWS lowercases the name in the ARN is not public."""
    if ctx.sent is None:
        raise Mismatch("needs the Create request (ctx.sent)", basis="assumption")
    body = exchange.wire_or_none()
    arn = body.get("CompilationJobArn") if isinstance(body, dict) else None
    if not isinstance(arn, str):
        raise Mismatch("no CompilationJobArn string in the body")
    match = _ARN.fullmatch(arn)
    if match is None:
        raise Mismatch(f"ARN {arn!r} is not arn:aws:sagemaker:<region>:<account>:compilation-job/<name>")
    if match["name"].lower() != ctx.sent["CompilationJobName"].lower():
        raise Mismatch(f"ARN {arn!r} names {match['name']!r}, not {ctx.sent['CompilationJobName']!r}")


@register("list-summary", basis="model", applies=on_success, operations=("ListCompilationJobs",))
def list_summary(exchange: Exchange, ctx: CheckContext) -> None:
    """The List summary of a job created with ``ctx.sent`` shows it: its name, and its target
    as CompilationTargetDevice or CompilationTargetPlatformOs/Arch/Accelerator
    (overlays.SUMMARY_PATHS)."""
    sent = ctx.sent or {}
    body = exchange.wire_or_none()
    summaries = body.get("CompilationJobSummaries", []) if isinstance(body, dict) else []
    mine = [s for s in summaries if isinstance(s, dict) and s.get("CompilationJobName") == sent.get("CompilationJobName")]
    if len(mine) != 1:
        raise Mismatch(f"{len(mine)} summaries of job {sent.get('CompilationJobName')!r} (expected 1)")
    diffs = []
    for path, member in overlays.SUMMARY_PATHS.items():
        value: Any = sent
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and mine[0].get(member) != value:
            diffs.append(f"{member}: sent {value!r}, summary has {mine[0].get(member)!r}")
    if diffs:
        raise Mismatch("List summary does not show what Create sent:\n    " + "\n    ".join(diffs))


@register("duplicate-name", basis="model", applies=always, operations=("CreateCompilationJob",))
def duplicate_name(exchange: Exchange, ctx: CheckContext) -> None:
    """A second Create with the name of an existing job is refused with HTTP 400
    ResourceInUse, the error the model declares for it."""
    if exchange.status != 400 or exchange.error_code != "ResourceInUse":
        raise Mismatch(f"a duplicate name was answered HTTP {exchange.status} {exchange.error_code or ''}"
                       " (expected 400 ResourceInUse)")


@register("invalid-rejected", basis="model", applies=always)
def invalid_rejected(exchange: Exchange, ctx: CheckContext) -> None:
    """A request that breaks one constraint of the model (``ctx.expect['violation']``) is
    rejected with a 4xx and an expected code (ValidationException; for a wrong JSON type also
    SerializationException, as AWS JSON services answer), and creates no job."""
    violation = ctx.expect.get("violation")
    label = f"{violation.kind} at {'.'.join(map(str, violation.path))}: {violation.detail}" if violation else "?"
    if exchange.status is None or exchange.status >= 500:
        raise Mismatch(f"invalid request ({label}) got no 4xx: {exchange.describe()}")
    if exchange.ok:
        raise Mismatch(f"invalid request accepted with HTTP {exchange.status} ({label})")
    allowed = set(getattr(violation, "expected_codes", ()) or ()) | {"ValidationException"}
    if exchange.error_code not in allowed:
        raise Mismatch(f"invalid request ({label}) refused with {exchange.error_code!r}, "
                       f"expected one of {sorted(allowed)}")
    if ctx.expect.get("created"):
        raise Mismatch(f"the rejected request left a job behind: {ctx.expect['created']}")


@register("pagination-walk", basis="model", applies=always, operations=("ListCompilationJobs",))
def pagination_walk(exchange: Exchange, ctx: CheckContext) -> None:
    """Walking NextToken with MaxResults k: every page has at most k items, every job of the
    scenario comes exactly once, and the last page has no NextToken (AWS omits it,
    observed-aws). ``ctx.expect``: ``pages`` (list of exchanges), ``k``, ``expected`` names,
    ``bounded`` (True when the walk hit its page bound)."""
    e = ctx.expect
    problems = []
    seen: list[str] = []
    for i, page in enumerate(e["pages"]):
        if not page.ok:
            raise Mismatch(f"page {i + 1} of the walk failed: {page.describe()}")
        items = _summaries(page)
        if len(items) > e["k"]:
            problems.append(f"page {i + 1} has {len(items)} items, MaxResults was {e['k']}")
        seen += [s.get("CompilationJobName") for s in items if isinstance(s, dict)]
    if e.get("bounded"):
        problems.append(f"NextToken never ended within {len(e['pages'])} pages")
    else:
        last = e["pages"][-1].wire_or_none()
        if isinstance(last, dict) and "NextToken" in last:
            problems.append(f"the last page carries NextToken {last['NextToken']!r}")
    problems += each_once(seen, e["expected"])
    if problems:
        raise Mismatch("pagination walk broken:\n    " + "\n    ".join(problems))


def _summaries(page: Exchange) -> list:
    """The CompilationJobSummaries a listing page sent on the wire ([] when it sent none)."""
    body = page.wire_or_none()
    return (body.get("CompilationJobSummaries") or []) if isinstance(body, dict) else []


def each_once(seen: list[str], expected: list[str]) -> list[str]:
    """What keeps a walk's names ``seen`` from holding every ``expected`` name exactly once."""
    dupes = sorted({n for n in seen if seen.count(n) > 1})
    missing = sorted(set(expected) - set(seen))
    return ([f"listed more than once: {dupes}"] if dupes else []) + ([f"never listed: {missing}"] if missing else [])


@register("garbage-token", basis="assumption", applies=always, operations=("ListCompilationJobs",))
def garbage_token(exchange: Exchange, ctx: CheckContext) -> None:
    """A NextToken the backend never issued is rejected with a 4xx. AWS's exact code for it
    is not public, so any 4xx passes (assumption: a token is not silently ignored)."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        raise Mismatch(f"a garbage NextToken was answered {exchange.describe()} (expected a 4xx)")


@register("filter-oracle", basis="model", applies=always, operations=("ListCompilationJobs",))
def filter_oracle(exchange: Exchange, ctx: CheckContext) -> None:
    """The names a filtered or sorted listing returns equal the oracle computed from the
    unfiltered listing of the suite's own jobs (``ctx.expect['oracle']``; ordered when
    ``ctx.expect['ordered']``; ``ctx.expect['project']``: compare these values of the
    listed items instead of their names, where ties make names ambiguous)."""
    if not exchange.ok:
        raise Mismatch(f"listing failed: {exchange.describe()}")
    body = exchange.wire_or_none()
    got = [s.get("CompilationJobName") for s in body.get("CompilationJobSummaries", [])] if isinstance(body, dict) else []
    if "project" in ctx.expect:  # compare a projection of the items (e.g. their statuses)
        got = ctx.expect["project"]
    want = ctx.expect["oracle"]
    if ctx.expect.get("ordered"):
        if got != want:
            raise Mismatch(f"order differs from the oracle:\n    got  {got}\n    want {want}")
    elif sorted(got) != sorted(want):
        raise Mismatch(f"filtered names differ from the oracle:\n    got  {sorted(got)}\n    want {sorted(want)}")


@register("timestamps-ordered", basis="assumption", applies=on_success,
          operations=("DescribeCompilationJob",))
def timestamps_ordered(exchange: Exchange, ctx: CheckContext) -> None:
    """CreationTime <= LastModifiedTime, and CompilationStartTime <= CompilationEndTime when
    both are present (assumption: a job is modified after it is created, and ends after it
    starts; stated by the lifecycle, not the model)."""
    body = exchange.wire_or_none()
    if not isinstance(body, dict):
        return
    pairs = (("CreationTime", "LastModifiedTime"), ("CompilationStartTime", "CompilationEndTime"))
    for first, then in pairs:
        a, b = body.get(first), body.get(then)
        if isinstance(a, int | float) and isinstance(b, int | float) and a > b:
            raise Mismatch(f"{first} {a} is after {then} {b}")


@register("gone-after-delete", basis="model", applies=always,
          operations=("DescribeCompilationJob", "ListCompilationJobs"))
def gone_after_delete(exchange: Exchange, ctx: CheckContext) -> None:
    """After a successful Delete of ``ctx.sent``'s job, Describe answers that it is missing
    (400 ResourceNotFound or ValidationException, as ``missing-resource``) and a listing
    filtered by its name succeeds without it. That List sees the Delete at once is an
    assumption (AWS documents no delay for it), and its failure says so."""
    if exchange.operation == "DescribeCompilationJob":
        if exchange.status != 400 or exchange.error_code not in overlays.MISSING_RESOURCE_CODES:
            raise Mismatch(f"a deleted job is still there: {exchange.describe()}")
        return
    name = (ctx.sent or {}).get("CompilationJobName")
    if name is None:
        raise Mismatch("needs the deleted job's Create request (ctx.sent)", basis="assumption")
    if not exchange.ok:
        raise Mismatch(f"listing after the Delete failed: {exchange.describe()}")
    if any(isinstance(s, dict) and s.get("CompilationJobName") == name for s in _summaries(exchange)):
        raise Mismatch(f"the deleted job {name!r} is still listed (assumption: ListCompilationJobs "
                       "reflects a Delete at once; AWS documents no delay)", basis="assumption")


@register("tags-roundtrip", basis="model", applies=on_success, operations=("ListTags",))
def tags_roundtrip(exchange: Exchange, ctx: CheckContext) -> None:
    """ListTags on the job's ARN shows exactly the Tags the job was created with
    (``ctx.sent['Tags']``), key by key."""
    body = exchange.wire_or_none()
    listed = body.get("Tags", []) if isinstance(body, dict) else []
    got = {t.get("Key"): t.get("Value") for t in listed if isinstance(t, dict)}
    want = {t["Key"]: t.get("Value") for t in (ctx.sent or {}).get("Tags", [])}
    if got != want:
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        changed = sorted(k for k in set(want) & set(got) if want[k] != got[k])
        raise Mismatch(f"ListTags differs from the Tags sent: missing {missing}, unexpected {extra}, "
                       f"changed values {changed}")


@register("paginator-agrees", basis="model", applies=always, operations=("ListCompilationJobs",))
def paginator_agrees(exchange: Exchange, ctx: CheckContext) -> None:
    """botocore's paginator (the model's ``paginators-1.json``: input and output token
    NextToken, limit MaxResults), the way most boto3 users list, ends, lists every job of the
    scenario exactly once, and in the order of the manual NextToken walk.
    ``ctx.expect``: ``paginated`` (names the paginator yielded), ``error`` (what the
    paginator raised), ``bounded`` (True when it went past ``page_bound`` pages),
    ``manual_pages`` (the exchanges of the manual walk), ``expected`` names."""
    e = ctx.expect
    if e.get("error"):
        raise Mismatch(f"botocore's paginator stopped with {e['error']}")
    if e.get("bounded"):
        raise Mismatch(f"botocore's paginator never ended within {e['page_bound']} pages")
    got = list(e["paginated"])
    manual = [s.get("CompilationJobName") for page in e["manual_pages"] for s in _summaries(page)
              if isinstance(s, dict)]
    problems = each_once(got, e["expected"])
    if got != manual:
        problems.append(f"differs from the manual walk:\n        paginator {got}\n        manual    {manual}")
    if problems:
        raise Mismatch("botocore's paginator disagrees:\n    " + "\n    ".join(problems))


@register("leaves-list-working", basis="assumption", applies=always, operations=("ListCompilationJobs",))
def leaves_list_working(exchange: Exchange, ctx: CheckContext) -> None:
    """A listing of the run's jobs answers below 500 whichever jobs the backend accepted
    before it (assumption: a real account's listing does not depend on which jobs it holds).
    Judged on the run's probe listing after every accepted Create; a job whose deletion makes
    the listing answer again is reported once, with the Create request that made it."""
    if exchange.status is None or exchange.status >= 500:
        raise Mismatch(f"the run's listing answered {exchange.describe()} after a job was accepted "
                       f"(body {exchange.raw_body[:200]!r})")
