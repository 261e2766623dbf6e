"""Which project, catalog snapshot and login a document belongs to: computed one way for every face.

The language server, ``infisical-tokens check`` and the magic's completion all call
:func:`document_context`; they differ only in where snapshots come from (a background catalog that
never waits, or one ``check --online`` waits for) and which project files they see (an unsaved
``.infisical.json`` open in the editor wins over the one on disk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from .. import project_config
from ..filetypes import Kind
from ..needs import Need, needs_for_scope
from ..project_config import ProjectConfig
from ..record import field, record
from ..snapshot import Snapshot, offline_snapshot
from ..snippets import CommandSite
from .commands import workspace_scopes

if TYPE_CHECKING:
    from ..scope import Scope

# (project ID, slugs the workspace itself names, folder listings its scopes depend on) -> the best snapshot now
SnapshotSource = Callable[[str | None, Iterable[str], Iterable[Need]], Snapshot]


@record
class DocumentContext:
    """Facts about a document's surroundings that its text does not say."""

    snapshot: Snapshot = field(default_factory=lambda: offline_snapshot(None, (), "offline"))
    project_id: str | None = None
    config: ProjectConfig | None = None
    login_api_url: str | None = None


def document_context(
    text: str,
    kind: Kind | None,
    config: ProjectConfig | None,
    *,
    explicit_project: str | None,
    env: Mapping[str, str],
    snapshots: SnapshotSource | None,
    offline_reason: str | None = "offline",
    login_api_url: str | None = None,
    sites: Sequence[CommandSite] | None = None,
) -> DocumentContext:
    """The project by :func:`project_config.project_id`'s order, and its snapshot (offline: the slugs the
    workspace names)."""
    project_id = project_config.project_id(explicit_project, env, config)
    scopes = workspace_scopes(text, kind, sites) if text and kind != "project-json" else []

    def slugs() -> Iterator[str]:
        """Only read when there is no cached catalog to answer from (the offline fallback)."""
        if config is not None:
            yield config.default_environment
            yield from config.branch_mapping.values()
        yield from (s.environment.strip() for s in scopes)

    if snapshots is None:
        snapshot = offline_snapshot(project_id, slugs(), offline_reason)
    else:
        snapshot = snapshots(project_id, slugs(), _Needs(scopes))
    return DocumentContext(snapshot, project_id, config, login_api_url)


class _Needs:
    """The folder listings a document's scopes depend on, worked out when a snapshot source first reads them (an
    offline one, ``check`` without ``--online``, never does); read as often as the source likes."""

    __slots__ = ("_found", "_scopes")

    def __init__(self, scopes: Sequence[Scope]) -> None:
        self._scopes = scopes
        self._found: list[Need] | None = None

    def __iter__(self) -> Iterator[Need]:
        if self._found is None:
            self._found = [n for s in self._scopes for n in needs_for_scope(s.environment.strip(), s.server_path)]
        return iter(self._found)
