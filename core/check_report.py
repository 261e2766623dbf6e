"""What ``check`` answers: each finding where it is, the options it ran with, and the whole report.

Apart from :mod:`outcomes` (which names these too) so that an offline check, which imports only this, does not pay
for defining every other command's outcome (``benchmarks/bench_cli.py``'s check row). Pure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import command
from .check_output import FORMATS
from .record import field, record

if TYPE_CHECKING:
    from .editor.answers import Finding


@record
class Report:
    """One finding of a file, where it is (1-based lines and character columns, as editors and CI logs count)."""

    path: Path
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    finding: Finding


@record
class CheckOptions:
    """What a check was asked: the paths (absolute), the output format, and whether to ask the server."""

    paths: list[Path]
    format: str = command.DEFAULT_FORMAT
    online: bool = False
    project_id: str | None = None
    domain: str | None = None

    @staticmethod
    def from_command(parsed: command.ParsedCommand, cwd: Path) -> CheckOptions:
        paths = [Path(text) for _, text in parsed.positionals] or [Path(".")]
        return CheckOptions(
            [p if p.is_absolute() else cwd / p for p in paths],
            "json" if parsed.flag_set("json") else parsed.string("format") or command.DEFAULT_FORMAT,
            parsed.flag_set("online"),
            parsed.string("projectId"),
            parsed.string("domain"),
        )


@record
class CheckReport:
    """Every finding of a check, and what it could not check: CI fails on an error or on a path that is not there."""

    reports: list[Report]
    files: int
    offline_projects: dict[str, str]  # project ID -> why it was checked offline
    options: CheckOptions
    base: Path  # paths are shown relative to it
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # files that could not be checked, and why
    missing: list[Path] = field(default_factory=list)  # paths given that do not exist (a typo must not pass CI)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.reports if r.finding.severity == "error")

    @property
    def failed(self) -> bool:
        """Whether CI should fail: an error found, or a path given that does not exist (as ruff and shellcheck)."""
        return self.errors > 0 or bool(self.missing)

    def formatted(self) -> str:
        return FORMATS[self.options.format](self.reports, self.base)

    def summary(self) -> str:
        skipped = f"; {len(self.skipped)} file(s) could not be checked" if self.skipped else ""
        return f"{len(self.reports)} problem(s) ({self.errors} error(s)) in {self.files} file(s) checked{skipped}."
