"""What each workflow answers, as plain data: the faces present these, and :mod:`render` gives each its text and
its one JSON form. The check's report is :mod:`check_report`'s, so that a check does not pay for defining the
others.

Pure records, importing no workflow, face or renderer, so a face (or ``render``) can name them without
importing the workflows (``infisical-tokens --help`` must start fast) and without an import circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import command
from .record import field, record

# what one outcome alone needs (the audit's findings, migrate's outcomes) is imported where it is used
if TYPE_CHECKING:
    from .audit import AuditFinding
    from .command import AuditOptions
    from .migration import Migrated, MigratePreview
    from .models import Generation, TokenInfo
    from .problems import Problem
    from .project_config import ProjectConfig


@record(frozen=False)
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


@record
class Created:
    token: str = field(repr=False)  # st.<id>.<secret>.<randomBytes>, as the CLI prints it
    info: TokenInfo
    plan: CreatePlan


@record
class DryRun:
    url: str  # where the create would go ("<API URL>" when offline)
    body: dict[str, Any]
    coverage: dict[str, list[str]] | None  # scope as typed -> existing folders it covers; None: unknown
    plan: CreatePlan
    offline_reason: str | None = None
    coverage_note: str | None = None  # why coverage is missing or partial
    generation: Generation | None = None  # the server's, when learnt (how reads are answered depends on it)


@record
class TokenList:
    project_id: str
    tokens: list[TokenInfo]


@record
class TokenView:
    info: TokenInfo


@record
class Deleted:
    info: TokenInfo


@record
class Rotated:
    """A rotation: the new token (already delivered), the old one, and whether the old one is gone."""

    created: Created
    old: TokenInfo
    deleted: bool
    delete_error: str | None = None  # why the old token is still there (the new one exists regardless)


@record
class RotatePreview:
    dry_run: DryRun
    old: TokenInfo
    keep_old: bool


@record
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


@record
class CompletionScript:
    shell: str
    text: str
