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
from ..model import operation
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
    mine = [s for s in summaries(exchange, ctx) if s.get("CompilationJobName") == sent.get("CompilationJobName")]
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


def duplicate_codes(op: str) -> frozenset[str]:
    """What a second Create of ``op`` with an existing name may be answered: ResourceInUse
    where the operation declares it, else ValidationException or a declared ConflictException."""
    declared = {shape.name for shape in operation(op).error_shapes}
    if "ResourceInUse" in declared:
        return frozenset({"ResourceInUse"})
    return frozenset({"ValidationException"} | ({"ConflictException"} & declared))


def _duplicate_basis(op: str, ctx: CheckContext) -> str:
    return "model" if "ResourceInUse" in duplicate_codes(op) else "assumption"


@register("duplicate-name", basis="model", applies=always, basis_of=_duplicate_basis)
def duplicate_name(exchange: Exchange, ctx: CheckContext) -> None:
    """A second Create with the name of an existing resource is refused with HTTP 400.
    Where the operation declares ResourceInUse (CreateCompilationJob, CreateTrainingJob,
    whose real answer is ResourceInUse "... names must be unique"), with exactly that
    (basis model). Elsewhere with ValidationException, what SageMaker answers a second
    CreateModel or CreateEndpoint ("Cannot create already existing ..."), or the
    ConflictException the operation declares (CreatePipeline, CreateModelCard): basis
    assumption, no real answer of those families is recorded here. Accepting it overwrites
    or doubles the resource."""
    codes = duplicate_codes(exchange.operation)
    if exchange.ok:
        raise Mismatch(f"a second Create with an existing name was accepted: {exchange.describe()}")
    if exchange.status != 400 or exchange.error_code not in codes:
        raise Mismatch(f"a duplicate name was answered {exchange.describe()}"
                       f" (expected 400 {' or '.join(sorted(codes))})")


@register("invalid-rejected", basis="model", applies=always)
def invalid_rejected(exchange: Exchange, ctx: CheckContext) -> None:
    """A request that breaks one constraint of the model (``ctx.expect['violation']``) is
    rejected with a 4xx and an expected code (ValidationException; for a wrong JSON type also
    SerializationException, as AWS JSON services answer), and creates nothing."""
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
        raise Mismatch(f"the rejected request left a resource behind: {ctx.expect['created']}")


def summaries(page: Exchange, ctx: CheckContext) -> list[dict[str, Any]]:
    """The summaries a listing page sent on the wire, under the family's page member
    (CompilationJobSummaries, Models, ...); [] when it sent none."""
    body = page.wire_or_none()
    items = body.get(ctx.family(page.operation).list.page) if isinstance(body, dict) else None
    return [s for s in items if isinstance(s, dict)] if isinstance(items, list) else []


def listed_names(pages: list[Exchange], ctx: CheckContext) -> list[Any]:
    """The names the summaries of ``pages`` carry, in order (the family's summary name member)."""
    return [s.get(ctx.family(p.operation).list.name_member) for p in pages for s in summaries(p, ctx)]


@register("pagination-walk", basis="model", applies=always)
def pagination_walk(exchange: Exchange, ctx: CheckContext) -> None:
    """Walking the family's token (NextToken) with its limit (MaxResults) k: every page has
    at most k items, each resource of the scenario comes exactly once, the walk ends within
    its bound, and the last page carries no token. An empty token counts as one: botocore's
    paginator (paginate.py, ``_get_next_token``: "We do not want to include any empty
    strings as actual tokens. Treat them as None") and the walk end on it, but AWS documents
    the token as sent only when the response is truncated and omits it on the last page
    (observed-aws, ListCompilationJobs), and a client looping ``while "NextToken" in page``
    never ends; a JSON null is ``no-null-members``' finding. ``ctx.expect``: ``pages`` (the
    exchanges), ``k``, ``expected`` names, ``bounded`` (the walk hit its page bound),
    ``owned`` (optional: which listed names are the scenario's)."""
    e = ctx.expect
    lst = ctx.family(exchange.operation).list
    problems = []
    for i, page in enumerate(e["pages"]):
        if not page.ok:
            raise Mismatch(f"page {i + 1} of the walk failed: {page.describe()}")
        n = len(summaries(page, ctx))
        if n > e["k"]:
            problems.append(f"page {i + 1} has {n} items, {lst.limit} was {e['k']}")
    if e.get("bounded"):
        problems.append(f"{lst.token} never ended within {len(e['pages'])} pages")
    else:
        last = e["pages"][-1].wire_or_none()
        if isinstance(last, dict) and last.get(lst.token) is not None:
            problems.append(f"the last page carries {lst.token} {last[lst.token]!r}")
    owned = e.get("owned") or (lambda _: True)
    problems += each_once([n for n in listed_names(e["pages"], ctx) if owned(n)], e["expected"])
    if problems:
        raise Mismatch("pagination walk broken:\n    " + "\n    ".join(problems))


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


@register("filter-oracle", basis="model", applies=always)
def filter_oracle(exchange: Exchange, ctx: CheckContext) -> None:
    """A filtered, bounded or sorted listing agrees with the oracle computed from the
    unfiltered listing of the scenario's own resources. ``ctx.expect``: ``oracle``,
    ``ordered``; ``got`` (optional) what the listing showed of them, where names alone do not
    say it (statuses where ties make names ambiguous; by default the names on ``exchange``);
    ``what`` (optional) the filter as sent."""
    e = ctx.expect
    what = f"{e['what']}: " if e.get("what") else ""
    if not exchange.ok:
        raise Mismatch(f"{what}the listing failed: {exchange.describe()}")
    got = e["got"] if "got" in e else listed_names([exchange], ctx)
    want = e["oracle"]
    if e.get("ordered"):
        if got != want:
            raise Mismatch(f"{what}order differs from the oracle:\n    got  {got}\n    want {want}")
    elif sorted(map(repr, got)) != sorted(map(repr, want)):
        raise Mismatch(f"{what}the listing differs from the oracle:\n    got  {sorted(got, key=repr)}\n"
                       f"    want {sorted(want, key=repr)}")


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


def _is_listing(exchange: Exchange, ctx: CheckContext) -> bool:
    lst = ctx.family(exchange.operation).list
    return lst is not None and exchange.operation == lst.operation


@register("gone-after-delete", basis="model", applies=always)
def gone_after_delete(exchange: Exchange, ctx: CheckContext) -> None:
    """After an accepted Delete, Describe answers that the resource is missing (400
    ResourceNotFound or ValidationException, as ``missing-resource``), and a listing of its
    name succeeds without it. That List sees the Delete at once is an assumption (AWS
    documents no delay), and its failure says so. For the listing, ``ctx.expect``: ``name``
    (default: the name member of ``ctx.sent``), ``pages`` (default: ``exchange``)."""
    if not _is_listing(exchange, ctx):
        if exchange.status != 400 or exchange.error_code not in overlays.MISSING_RESOURCE_CODES:
            raise Mismatch(f"a deleted resource is still there: {exchange.describe()}")
        return
    spec = ctx.family(exchange.operation)
    name = ctx.expect.get("name") or (ctx.sent or {}).get(spec.name_member or "")
    if name is None:
        raise Mismatch("needs the deleted resource's name (ctx.expect['name'] or ctx.sent)", basis="assumption")
    pages = ctx.expect.get("pages") or [exchange]
    failed = [p for p in pages if not p.ok]
    if failed:
        raise Mismatch(f"the listing after the Delete failed: {failed[0].describe()}")
    if name in listed_names(pages, ctx):
        raise Mismatch(f"the deleted {name!r} is still listed (assumption: {spec.list.operation} "
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
    manual = listed_names(e["manual_pages"], ctx)
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
