"""The suite's own small exception hierarchy.

``UsageError`` is bad input to the tool (exit code 2, one line, no traceback);
``CheckFailure`` is a backend breaking the contract (a finding, exit code 1).
"""

from __future__ import annotations

from typing import Any


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
