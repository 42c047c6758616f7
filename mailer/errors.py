"""Problems found in the project's files, and the small exception tree.

A Problem is what a user sees: compiler style, with the file, line and
column, the key and the fix. Only the entry points (cli.py, the mkdocs hooks)
turn problems and exceptions into exit codes or build errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning"]
# A path into a YAML document: keys and list indexes, e.g. ("members", 3, "email").
YamlPath = tuple["str | int", ...]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    severity: Severity = "error"
    hint: str = ""
    key: str = ""
    line: int = 0  # 1-based; 0 means "not located yet" or "whole file"
    col: int = 0
    # Where in the YAML document the problem is; resolved to line/col later,
    # only when a problem exists, so valid files never pay for positions.
    where: YamlPath | None = field(default=None, compare=False)
    # For "value" problems point at the value; otherwise at the key.
    at_value: bool = field(default=True, compare=False)

    def at(self, line: int, col: int) -> Problem:
        return replace(self, line=line, col=col)

    def format(self) -> str:
        pos = f"{self.path}:{self.line or 1}:{self.col or 1}"
        text = f"{pos}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text

    def format_github(self) -> str:
        def esc(s: str) -> str:
            return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

        body = self.message + (f" Fix: {self.hint}" if self.hint else "")
        return (
            f"::{self.severity} file={self.path},line={self.line or 1},"
            f"col={self.col or 1},title=binpost check::{esc(body)}"
        )


class BinpostError(Exception):
    """Base for every error binpost raises on purpose."""


class ProblemsFound(BinpostError):
    """Input files have errors; carries every problem, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = sum(p.severity == "error" for p in problems)
        super().__init__(f"{errors} error(s) in the project's files")


class ConfigError(BinpostError):
    """Configuration (pyproject [tool.binpost], environment) is unusable."""
