"""The suite's own small exception hierarchy.

``UsageError`` is bad input to the tool (exit code 2, one line, no traceback);
``CheckFailure`` is a backend breaking the contract (a finding, exit code 1).
"""

from __future__ import annotations

from typing import Any

from hypothesis.errors import UnsatisfiedAssumption


class ConformanceError(Exception):
    """Base of every error the suite raises on purpose."""


class UsageError(ConformanceError):
    """Bad input to the tool: unknown backend, unreachable endpoint, corrupt file, bad flag."""


class NothingToJudge(UsageError):
    """A run that would judge nothing (a replay with no cassettes, every result skipped): exit
    code 2 under ``conformance run`` and pytest alike, so it is never taken for a green run."""


class CheckFailure(AssertionError, ConformanceError):
    """A backend broke a check. Carries what a report needs to show and replay it.

    Subclasses AssertionError so pytest renders it as a plain test failure.
    """

    def __init__(
        self,
        check: str,
        message: str,
        *,
        operation: str | None = None,
        basis: str | None = None,
        example: Any = None,
    ) -> None:
        self.check = check
        self.operation = operation
        self.basis = basis
        self.example = example
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"[{self.operation or '-'} / {self.check}] {self.message}"
        if self.basis:
            head += f" (basis: {self.basis})"
        return head


class Blocked(ConformanceError, UnsatisfiedAssumption):
    """A result could not be judged because another result's defect stands in the way.

    The plugin reports the test as skipped with ``blocked_by``, so one backend defect is
    counted once, where it is caused, not again in every test it prevents. Inside a
    Hypothesis test it rejects the example (an UnsatisfiedAssumption), so the test goes on
    judging the examples that are not blocked."""

    def __init__(self, blocked_by: str, message: str) -> None:
        self.blocked_by = blocked_by
        self.message = message
        super().__init__(f"blocked by {blocked_by}: {message}")

    def __str__(self) -> str:
        return f"blocked by {self.blocked_by}: {self.message}"
