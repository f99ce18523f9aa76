"""Errors a user can cause: each carries a one-line cause and what to do about it."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from a user or a plugin author. The CLI prints it without a traceback."""

    def __init__(self, cause: str, fix: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.cause}; {self.fix}" if self.fix else self.cause
