"""Lifecycle checks: what the statuses a job goes through may be, and what Stop may do.

The documented lifecycle (DescribeCompilationJob, StopCompilationJob API reference; DESIGN.md)
is STARTING -> INPROGRESS -> COMPLETED | FAILED, and STARTING or INPROGRESS -> STOPPING ->
STOPPED after a Stop. Reads sample it, so a walk may skip statuses (STARTING -> COMPLETED),
never go back, and a terminal status never changes.
"""

from __future__ import annotations

from typing import Sequence

from ..exchange import Exchange
from .behaviour import listed_names
from .registry import CheckContext, Mismatch, always, register

TERMINAL = frozenset({"COMPLETED", "FAILED", "STOPPED"})
RUNNING = frozenset({"STARTING", "INPROGRESS"})
#: status -> the statuses a later read may show (reflexive, transitive: reads skip states).
LATER: dict[str, frozenset[str]] = {
    "STARTING": frozenset({"STARTING", "INPROGRESS", "COMPLETED", "FAILED", "STOPPING", "STOPPED"}),
    "INPROGRESS": frozenset({"INPROGRESS", "COMPLETED", "FAILED", "STOPPING", "STOPPED"}),
    "STOPPING": frozenset({"STOPPING", "STOPPED"}),
    "COMPLETED": frozenset({"COMPLETED"}),
    "FAILED": frozenset({"FAILED"}),
    "STOPPED": frozenset({"STOPPED"}),
}
AFTER_STOP = frozenset({"STOPPING", "STOPPED"})


def walk_problem(walk: Sequence[str], stopped_after: int | None) -> str | None:
    """Why ``walk`` (statuses of one job in read order) is not a lifecycle walk, or None.

    ``stopped_after``: how many reads preceded the accepted Stop (None: no Stop accepted)."""
    for i, status in enumerate(walk):
        if status not in LATER:
            return f"read {i + 1}: {status!r} is not a CompilationJobStatus"
        stopped = stopped_after is not None and i >= stopped_after
        if status in AFTER_STOP and not stopped:
            return f"read {i + 1}: {status} without an accepted StopCompilationJob"
        if stopped and status not in AFTER_STOP:
            return f"read {i + 1}: {status} after an accepted StopCompilationJob (expected STOPPING or STOPPED)"
        if i and status not in LATER[walk[i - 1]]:
            what = "a terminal status changed" if walk[i - 1] in TERMINAL else "an illegal transition"
            return f"reads {i} -> {i + 1}: {walk[i - 1]} -> {status} is {what}"
    return None


def render_walk(walk: Sequence[str], stopped_after: int | None) -> str:
    steps = list(walk)
    if stopped_after is not None:
        steps.insert(stopped_after, "<Stop accepted>")
    return " -> ".join(steps) or "(no reads)"


@register("status-walk", basis="aws-docs", applies=always)
def status_walk(exchange: Exchange, ctx: CheckContext) -> None:
    """Every sequence of CompilationJobStatus read for one job (``ctx.expect['walk']``,
    Describe and List alike, in order) is a walk in the documented lifecycle; after an
    accepted Stop (``ctx.expect['stopped_after']`` reads in) only STOPPING and STOPPED may
    follow (StopCompilationJob: "changes the CompilationJobStatus of the job to Stopping")."""
    walk, stopped_after = ctx.expect["walk"], ctx.expect.get("stopped_after")
    problem = walk_problem(walk, stopped_after)
    if problem:
        raise Mismatch(f"{problem}\n    observed: {render_walk(walk, stopped_after)}")


@register("stop-terminal-rejected", basis="assumption", applies=always,
          operations=("StopCompilationJob",))
def stop_terminal_rejected(exchange: Exchange, ctx: CheckContext) -> None:
    """Stop of a job already COMPLETED, FAILED or STOPPED (``ctx.expect['status']``) is
    rejected with a 4xx: there is nothing to stop. AWS's code for it is not public
    (assumption: ValidationException or any other 4xx passes); a 200 that changes nothing,
    or a 5xx, fails."""
    if exchange.status is None or not 400 <= exchange.status < 500:
        raise Mismatch(f"Stop of a {ctx.expect.get('status')} job was answered {exchange.describe()} "
                       "(expected a 4xx)")


@register("stop-running-accepted", basis="aws-docs", applies=always,
          operations=("StopCompilationJob",))
def stop_running_accepted(exchange: Exchange, ctx: CheckContext) -> None:
    """Stop of a job that a read after the Stop still shows STARTING or INPROGRESS
    (``ctx.expect['status_after']``) must have been accepted: statuses never go back, so
    the job was running when Stop arrived."""
    after = ctx.expect.get("status_after")
    if after in RUNNING and not exchange.ok:
        raise Mismatch(f"Stop of a running job (read {after} after the Stop) was refused: {exchange.describe()}")


def cloud_target(output_config: object) -> bool:
    """A cloud instance target: a TargetDevice ``ml_*`` (ml_c5, ml_inf1, ...). Edge devices
    (amba_cv25, jetson_nano) and TargetPlatform jobs are not."""
    device = output_config.get("TargetDevice") if isinstance(output_config, dict) else None
    return isinstance(device, str) and device.startswith("ml_")


def _completed_cloud(exchange: Exchange) -> bool:
    body = exchange.wire_or_none() if exchange.ok else None
    return (isinstance(body, dict) and body.get("CompilationJobStatus") == "COMPLETED"
            and cloud_target(body.get("OutputConfig")))


@register("inference-image", basis="aws-docs", applies=_completed_cloud,
          operations=("DescribeCompilationJob",))
def inference_image(exchange: Exchange, ctx: CheckContext) -> None:
    """A COMPLETED job for a cloud instance (TargetDevice ``ml_*``) is described with its
    InferenceImage (added 2021-06-28). AWS documents the member for cloud targets only
    (DescribeCompilationJob API reference: "The inference image to use when compiling a
    model. Specify an image only if the target device is a cloud instance."); real jobs for
    ml_* targets carry an ECR image URI. Edge devices (amba_cv25) and TargetPlatform jobs may
    omit it, so the check does not apply to them."""
    body = exchange.wire_or_none()
    image = body.get("InferenceImage")
    if not isinstance(image, str) or not image:
        raise Mismatch(f"COMPLETED job for {body.get('OutputConfig', {}).get('TargetDevice')!r} "
                       f"described without InferenceImage (got {image!r})")


@register("listed-once", basis="model", applies=always)
def listed_once(exchange: Exchange, ctx: CheckContext) -> None:
    """A listing that covers a set of the scenario's resources (filtered by their common
    stem) shows each live one (``ctx.expect['live']``) exactly once and no deleted one
    (``ctx.expect['gone']``, optional); ``ctx.expect['pages']`` (optional, default
    ``exchange``) when it took more than one page."""
    pages = ctx.expect.get("pages") or [exchange]
    failed = [p for p in pages if not p.ok]
    if failed:
        raise Mismatch(f"the listing failed: {failed[0].describe()}")
    names = listed_names(pages, ctx)
    problems = [f"{n!r} listed {names.count(n)} times (expected once)" for n in ctx.expect["live"]
                if names.count(n) != 1]
    problems += [f"deleted {n!r} still listed" for n in ctx.expect.get("gone", ()) if n in names]
    if problems:
        raise Mismatch("; ".join(problems))
