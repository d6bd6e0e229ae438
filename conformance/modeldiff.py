"""What changed between two botocore service models, per operation.

An API update (2021-06-28: TargetDevice ``amba_cv25``, ``VpcConfig``, ``InferenceImage``)
is a set of added members and enum values reachable from an operation's input or output.
The diff walks both trees by member name, not by shape name (botocore renames shapes), and
collects, without stopping at the first:

- added members, shown with their nested structure (structure -> dict of members, list ->
  ``[member]``, map -> ``{key: value}``, scalar -> its type name);
- added enum values, as a set at the member that carries them (lists and maps are
  transparent, so ``CompilationJobSummaries[].CompilationTargetDevice`` reads
  ``{'CompilationJobSummaries': {'CompilationTargetDevice': {'amba_cv25'}}}``);
- removed members and enum values, separately;
- type changes (``'string -> integer'``) and members that became (or stopped being) required.

Documentation, constraints (min/max/pattern) and shape names are not API changes here.
The diff never mutates the models it is given. ``trim`` cuts a model down to some operations
and the shapes they reach (how the test fixtures were made).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import UsageError

#: Where a service's model sits inside botocore's data directory (and inside a wheel).
_DATA_GLOB = "{service}/*/service-2.json"


def _from_wheel(path: Path, service: str) -> bytes:
    import fnmatch
    import zipfile

    try:
        with zipfile.ZipFile(path) as wheel:
            names = sorted(n for n in wheel.namelist() if fnmatch.fnmatch(
                n, "botocore/data/" + _DATA_GLOB.format(service=service) + "*"))
            if not names:
                raise UsageError(f"{path}: no botocore/data/{service} model in this archive")
            return wheel.read(names[-1])  # newest API version directory sorts last
    except zipfile.BadZipFile:
        raise UsageError(f"{path}: not a wheel (zip) file") from None


def _from_dir(path: Path, service: str) -> bytes:
    for root in (path, path / "botocore" / "data", path / "data"):
        found = sorted(root.glob(_DATA_GLOB.format(service=service) + "*"))
        if found:
            return found[-1].read_bytes()
    raise UsageError(f"{path}: no {_DATA_GLOB.format(service=service)}[.gz] below this directory")


def load(path: str | Path, service: str = "sagemaker") -> dict[str, Any]:
    """A service model from ``service-2.json``, ``service-2.json.gz``, a botocore wheel, a
    directory holding botocore's data (an unpacked wheel), or ``installed`` (the botocore in
    use). UsageError if it is missing, not JSON, or not a botocore service model."""
    if str(path) == "installed":
        import botocore.loaders

        return botocore.loaders.create_loader().load_service_model(service, "service-2")
    path = Path(path)
    try:
        if path.is_dir():
            raw = _from_dir(path, service)
        elif path.suffix == ".whl":
            raw = _from_wheel(path, service)
        else:
            raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise UsageError(f"{path}: not a readable gzip file ({exc})") from None
    try:
        model = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not JSON ({exc})") from None
    if not (isinstance(model, dict) and isinstance(model.get("operations"), dict)
            and isinstance(model.get("shapes"), dict)):
        raise UsageError(f"{path}: not a botocore service model (needs 'operations' and 'shapes')")
    return model


def _shape(model: dict[str, Any], name: str) -> dict[str, Any]:
    try:
        return model["shapes"][name]
    except KeyError:
        raise UsageError(f"the model refers to shape {name!r}, which it does not define") from None


def reachable(model: dict[str, Any], operations: Iterable[str]) -> set[str]:
    """Names of every shape the operations' input, output and errors reach."""
    todo: list[str] = []
    for op_name in operations:
        op = model["operations"][op_name]
        todo += [op[k]["shape"] for k in ("input", "output") if k in op]
        todo += [e["shape"] for e in op.get("errors", [])]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = _shape(model, name)
        todo += [m["shape"] for m in shape.get("members", {}).values()]
        todo += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
    return seen


def _strip_docs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_docs(v) for k, v in value.items() if k != "documentation"}
    if isinstance(value, list):
        return [_strip_docs(v) for v in value]
    return value


def trim(model: dict[str, Any], operations: Iterable[str], *, keep_docs: bool = False) -> dict[str, Any]:
    """A new model with only ``operations`` and the shapes they reach (documentation dropped
    unless ``keep_docs``): small enough to commit as a fixture, still a valid model."""
    operations = list(operations)
    unknown = [op for op in operations if op not in model["operations"]]
    if unknown:
        raise UsageError(f"unknown operation(s) {', '.join(unknown)}")
    names = reachable(model, operations)
    out = {
        "version": model.get("version", "2.0"),
        "metadata": model.get("metadata", {}),
        "operations": {op: model["operations"][op] for op in operations},
        "shapes": {name: model["shapes"][name] for name in sorted(names)},
    }
    return out if keep_docs else _strip_docs(out)


# ---------------------------------------------------------------- the diff


MemberPath = tuple[str, ...]


@dataclass
class Delta:
    """One side (request or response) of one operation: flat maps from member path (lists
    and maps transparent) to what changed there. ``tree`` nests them for printing."""

    added_members: dict[MemberPath, Any] = field(default_factory=dict)  # path -> nested structure
    added_values: dict[MemberPath, set[str]] = field(default_factory=dict)  # path -> new enum values
    removed_members: dict[MemberPath, Any] = field(default_factory=dict)
    removed_values: dict[MemberPath, set[str]] = field(default_factory=dict)
    changed: dict[MemberPath, str] = field(default_factory=dict)  # type or enum-constraint changes
    required: dict[MemberPath, str] = field(default_factory=dict)  # "now required" / "no longer required"

    def __bool__(self) -> bool:
        return any((self.added_members, self.added_values, self.removed_members,
                    self.removed_values, self.changed, self.required))

    @staticmethod
    def tree(*flat: dict[MemberPath, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, value in sorted(item for entries in flat for item in entries.items()):
            node = out
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
        return out


def _view(model: dict[str, Any], name: str, stack: tuple[str, ...] = ()) -> Any:
    """The nested structure of shape ``name`` as shown for an added or removed member."""
    shape = _shape(model, name)
    kind = shape.get("type")
    if name in stack:
        return f"<{name}>"  # recursive shape: name it instead of looping
    stack = stack + (name,)
    if kind == "structure":
        return {m: _view(model, s["shape"], stack) for m, s in shape.get("members", {}).items()}
    if kind == "list":
        return [_view(model, shape["member"]["shape"], stack)]
    if kind == "map":
        return {_view(model, shape["key"]["shape"], stack): _view(model, shape["value"]["shape"], stack)}
    return kind


def _walk(old: dict, new: dict, o_name: str, n_name: str, path: tuple[str, ...],
          delta: Delta, stack: frozenset) -> None:
    if (o_name, n_name) in stack:
        return
    stack = stack | {(o_name, n_name)}
    o, n = _shape(old, o_name), _shape(new, n_name)
    o_type, n_type = o.get("type"), n.get("type")
    if o_type != n_type:
        delta.changed[path or ("<body>",)] = f"{o_type} -> {n_type}"
        return
    if o_type == "structure":
        o_members, n_members = o.get("members", {}), n.get("members", {})
        for member, ref in n_members.items():
            if member not in o_members:
                delta.added_members[path + (member,)] = _view(new, ref["shape"])
            else:
                _walk(old, new, o_members[member]["shape"], ref["shape"], path + (member,), delta, stack)
        for member, ref in o_members.items():
            if member not in n_members:
                delta.removed_members[path + (member,)] = _view(old, ref["shape"])
        o_req, n_req = set(o.get("required", [])), set(n.get("required", []))
        for member in sorted((n_req - o_req) & set(o_members)):
            delta.required[path + (member,)] = "now required"
        for member in sorted((o_req - n_req) & set(n_members)):
            delta.required[path + (member,)] = "no longer required"
    elif o_type == "list":
        _walk(old, new, o["member"]["shape"], n["member"]["shape"], path, delta, stack)
    elif o_type == "map":
        _walk(old, new, o["key"]["shape"], n["key"]["shape"], path, delta, stack)
        _walk(old, new, o["value"]["shape"], n["value"]["shape"], path, delta, stack)
    elif "enum" in o or "enum" in n:
        o_enum, n_enum = o.get("enum"), n.get("enum")
        if o_enum is None or n_enum is None:
            # an enum appeared or went away: the set of accepted values changed wholesale
            delta.changed[path or ("<body>",)] = (
                "enum constraint added" if o_enum is None else "enum constraint removed")
            return
        if set(n_enum) - set(o_enum):
            delta.added_values.setdefault(path, set()).update(set(n_enum) - set(o_enum))
        if set(o_enum) - set(n_enum):
            delta.removed_values.setdefault(path, set()).update(set(o_enum) - set(n_enum))


@dataclass
class OperationDiff:
    operation: str
    status: str  # "changed" | "added" | "removed"
    request: Delta = field(default_factory=Delta)
    response: Delta = field(default_factory=Delta)

    def __bool__(self) -> bool:
        return self.status != "changed" or bool(self.request or self.response)


def _side(old: dict, new: dict, op: str, key: str) -> Delta:
    delta = Delta()
    o_ref, n_ref = old["operations"][op].get(key), new["operations"][op].get(key)
    if o_ref and n_ref:
        _walk(old, new, o_ref["shape"], n_ref["shape"], (), delta, frozenset())
    elif n_ref:
        delta.added_members[("<body>",)] = _view(new, n_ref["shape"])
    elif o_ref:
        delta.removed_members[("<body>",)] = _view(old, o_ref["shape"])
    return delta


def diff(old: dict[str, Any], new: dict[str, Any],
         operations: Iterable[str] | None = None) -> list[OperationDiff]:
    """Per-operation differences, in operation-name order; unchanged operations left out.

    ``operations``: restrict to these (each must exist in at least one model)."""
    everything = set(old["operations"]) | set(new["operations"])
    if operations is None:
        names = sorted(everything)
    else:
        names = list(dict.fromkeys(operations))
        unknown = [op for op in names if op not in everything]
        if unknown:
            raise UsageError(f"operation(s) in neither model: {', '.join(unknown)}")
    found: list[OperationDiff] = []
    for op in names:
        if op not in old["operations"]:
            found.append(OperationDiff(op, "added"))
        elif op not in new["operations"]:
            found.append(OperationDiff(op, "removed"))
        else:
            item = OperationDiff(op, "changed", _side(old, new, op, "input"), _side(old, new, op, "output"))
            if item:
                found.append(item)
    return found


def _sorted_sets(value: Any) -> Any:
    """Sets printed in sorted order, so the output is the same on every run."""
    if isinstance(value, dict):
        return {k: _sorted_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sorted_sets(v) for v in value]
    if isinstance(value, set):
        return _SortedSet(value)
    return value


class _SortedSet(frozenset):
    def __repr__(self) -> str:
        return "{" + ", ".join(repr(v) for v in sorted(self)) + "}"


def render(diffs: list[OperationDiff]) -> str:
    """The text ``conformance diff-model`` prints: one block per changed operation."""
    lines: list[str] = []
    for item in diffs:
        if item.status != "changed":
            lines.append(f"{item.operation}: operation {item.status}")
            continue
        lines.append(item.operation)
        for side_name, d in (("request", item.request), ("response", item.response)):
            for label, flat in (("Changes", (d.added_members, d.added_values)),
                                ("Removals", (d.removed_members, d.removed_values)),
                                ("Type changes", (d.changed,)),
                                ("Required", (d.required,))):
                # a member and one inside it can both change requiredness: flat dotted keys
                tree = (Delta.tree(*flat) if label in ("Changes", "Removals")
                        else {".".join(p): v for p, v in sorted(flat[0].items())})
                if tree:
                    lines.append(f"  {label} ({side_name}) {_sorted_sets(tree)!r}")
    return "\n".join(lines) + ("\n" if lines else "")


# ---------------------------------------------------------------- what a delta means for the suite


@dataclass(frozen=True)
class DeltaCase:
    """One check ``conformance run --since OLD`` aims at one change.

    ``kind`` says how it is judged (conformance/suite/test_delta.py): ``create-accepted``,
    ``describe-echoed``, ``list-listed``, ``describe-roundtrip``, ``describe-returned``,
    ``list-accepted``, ``operation-added``. ``path`` is the member path in the request (or,
    for ``describe-returned``, the response); ``value`` the new enum value, if any.
    """

    operation: str
    check: str
    kind: str
    path: MemberPath
    value: str | None = None
    required: bool = False

    @property
    def case(self) -> str:
        if self.kind == "operation-added":
            return "added"
        where = ".".join(self.path) or "<operation>"
        return f"{where}={self.value}" if self.value is not None else where

    @property
    def id(self) -> str:
        return f"{self.operation}/{self.check}/{self.case}"


def _has_path(model: dict[str, Any], shape_name: str, path: MemberPath) -> bool:
    shape = _shape(model, shape_name)
    for key in path:
        while shape.get("type") in ("list", "map"):
            shape = _shape(model, shape["member" if shape["type"] == "list" else "value"]["shape"])
        if key not in shape.get("members", {}):
            return False
        shape = _shape(model, shape["members"][key]["shape"])
    return True


def _required(model: dict[str, Any], shape_name: str, path: MemberPath) -> bool:
    shape = _shape(model, shape_name)
    for key in path[:-1]:
        shape = _shape(model, shape["members"][key]["shape"])
    return path[-1] in shape.get("required", [])


def plan(old: dict[str, Any], new: dict[str, Any], operations: Iterable[str]) -> list[DeltaCase]:
    """The delta checks for the changes from ``old`` to ``new`` in ``operations``:

    - a new enum value of a Create request member: Create accepts it, Describe echoes it and
      the List summary shows it (where the summary carries that member);
    - a new Create request member: Create accepts it and Describe returns what was sent
      (where AWS keeps it: ``overlays.ROUND_TRIP_PATHS``);
    - a new Describe response member that no request sets: returned (when required) and
      well-formed (when present);
    - a new enum value of a List request member: List accepts it;
    - a new operation that takes a job name: it answers for a job the run created.
    """
    from .overlays import ROUND_TRIP_PATHS, SUMMARY_PATHS

    cases: list[DeltaCase] = []
    ops = [op for op in operations if op in new["operations"]]
    by_op = {d.operation: d for d in diff(old, new, [op for op in ops if op in old["operations"]
                                                     or op in new["operations"]])}
    describe_out = new["operations"].get("DescribeCompilationJob", {}).get("output", {}).get("shape")
    create = by_op.get("CreateCompilationJob")
    covered: set[MemberPath] = set()
    if create is not None and create.status == "changed":
        for path, values in sorted(create.request.added_values.items()):
            for value in sorted(values):
                cases.append(DeltaCase("CreateCompilationJob", "delta-accepted", "create-accepted", path, value))
                if describe_out and _has_path(new, describe_out, path):
                    cases.append(DeltaCase("DescribeCompilationJob", "delta-echoed", "describe-echoed", path, value))
                    covered.add(path)
                if path in SUMMARY_PATHS:
                    cases.append(DeltaCase("ListCompilationJobs", "delta-listed", "list-listed", path, value))
        for path in sorted(create.request.added_members):
            cases.append(DeltaCase("CreateCompilationJob", "delta-accepted", "create-accepted", path))
            if any(kept[: len(path)] == path for kept in ROUND_TRIP_PATHS):
                cases.append(DeltaCase("DescribeCompilationJob", "delta-roundtrip", "describe-roundtrip", path))
            covered.add(path)
    describe = by_op.get("DescribeCompilationJob")
    if describe is not None and describe.status == "changed" and describe_out:
        for path in sorted(describe.response.added_members):
            if path not in covered:
                cases.append(DeltaCase("DescribeCompilationJob", "delta-returned", "describe-returned", path,
                                       required=_required(new, describe_out, path)))
    listing = by_op.get("ListCompilationJobs")
    if listing is not None and listing.status == "changed":
        for path, values in sorted(listing.request.added_values.items()):
            cases += [DeltaCase("ListCompilationJobs", "delta-accepted", "list-accepted", path, v)
                      for v in sorted(values)]
    for item in by_op.values():
        if item.status == "added":
            shape = new["operations"][item.operation].get("input", {}).get("shape")
            members = _shape(new, shape).get("members", {}) if shape else {}
            if "CompilationJobName" in members:
                cases.append(DeltaCase(item.operation, "delta-operation", "operation-added", ()))
    return cases


def since(path: str | Path, operations: Iterable[str]) -> tuple[list[OperationDiff], list[DeltaCase]]:
    """``--since OLD``: the diff from OLD to the botocore model in use and its delta checks.
    UsageError when OLD is unreadable or nothing changed (a delta run that checks nothing
    would pass silently)."""
    operations = list(operations)
    old = load(path)
    new = load("installed")
    cases = plan(old, new, operations)
    if not cases:
        import botocore

        raise UsageError(f"--since {path}: no change to aim at in {', '.join(operations)} between "
                         f"that model and botocore {botocore.__version__}")
    return diff(old, new, [op for op in operations if op in old["operations"] or op in new["operations"]]), cases


__all__ = ["load", "trim", "reachable", "diff", "render", "plan", "since", "Delta", "DeltaCase",
           "OperationDiff"]
