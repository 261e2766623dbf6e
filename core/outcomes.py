"""What each workflow answers, as plain data: the faces present these, and :mod:`render` gives each its text and
its one JSON form.

Pure dataclasses, importing no workflow, face or renderer, so a face (or ``render``) can name them without
importing the workflows (``infisical-tokens --help`` must start fast) and without an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import command

# what only other outcomes need (the audit's findings, migrate's outcomes, the check's formats) is imported where it
# is used: an offline ``check`` imports this module for its report alone (benchmarks/bench_cli.py)
if TYPE_CHECKING:
    from .audit import AuditFinding
    from .command import AuditOptions
    from .editor.answers import Finding
    from .migration import Migrated, MigratePreview
    from .models import Generation, TokenInfo
    from .problems import Problem
    from .project_config import ProjectConfig


@dataclass
class CreatePlan:
    options: command.CreateOptions
    project_id: str
    config: ProjectConfig | None
    problems: list[Problem] = field(default_factory=list)  # warnings that did not stop the plan

    def body(self, random_bytes: str) -> dict[str, Any]:
        """The request body, keys in the CLI's order (all nine; the server ignores ``randomBytes``)."""
        return {
            "name": self.options.name,
            "workspaceId": self.project_id,
            "scopes": [s.as_request() for s in self.options.scopes],
            "expiresIn": self.options.expiry_seconds,
            "encryptedKey": "",
            "iv": "",
            "tag": "",
            "randomBytes": random_bytes,
            "permissions": list(self.options.access_levels),
        }


@dataclass(frozen=True)
class Created:
    token: str = field(repr=False)  # st.<id>.<secret>.<randomBytes>, as the CLI prints it
    info: TokenInfo
    plan: CreatePlan


@dataclass(frozen=True)
class DryRun:
    url: str  # where the create would go ("<API URL>" when offline)
    body: dict[str, Any]
    coverage: dict[str, list[str]] | None  # scope as typed -> existing folders it covers; None: unknown
    plan: CreatePlan
    offline_reason: str | None = None
    coverage_note: str | None = None  # why coverage is missing or partial
    generation: Generation | None = None  # the server's, when learnt (how reads are answered depends on it)


@dataclass(frozen=True)
class TokenList:
    project_id: str
    tokens: list[TokenInfo]


@dataclass(frozen=True)
class TokenView:
    info: TokenInfo


@dataclass(frozen=True)
class Deleted:
    info: TokenInfo


@dataclass(frozen=True)
class Rotated:
    """A rotation: the new token (already delivered), the old one, and whether the old one is gone."""

    created: Created
    old: TokenInfo
    deleted: bool
    delete_error: str | None = None  # why the old token is still there (the new one exists regardless)


@dataclass(frozen=True)
class RotatePreview:
    dry_run: DryRun
    old: TokenInfo
    keep_old: bool


@dataclass(frozen=True)
class AuditReport:
    project_id: str
    tokens: list[TokenInfo]
    findings: list[AuditFinding]
    options: AuditOptions
    note: str | None = None  # why folder checks were partial or skipped

    @property
    def failed(self) -> bool:
        from .audit import fails

        return fails(self.findings, self.options.fail_on)


if TYPE_CHECKING:
    Outcome = (
        Created
        | DryRun
        | TokenList
        | TokenView
        | Deleted
        | Rotated
        | RotatePreview
        | AuditReport
        | Migrated
        | MigratePreview
    )


@dataclass(frozen=True)
class CompletionScript:
    shell: str
    text: str


@dataclass(frozen=True)
class Report:
    path: Path
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    finding: Finding


@dataclass(frozen=True)
class CheckOptions:
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


@dataclass(frozen=True)
class CheckReport:
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
        from .check_output import FORMATS

        return FORMATS[self.options.format](self.reports, self.base)

    def summary(self) -> str:
        skipped = f"; {len(self.skipped)} file(s) could not be checked" if self.skipped else ""
        return f"{len(self.reports)} problem(s) ({self.errors} error(s)) in {self.files} file(s) checked{skipped}."
