"""The language server's catalog and status: the catalog built from the settings and the login, refreshed in the
background, and a project's status pushed to the client (``infisical/statusChanged``) when its server stops
answering or answers again.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from infisical_tokens.core import project_config
from infisical_tokens.core.context import Context
from infisical_tokens.core.errors import InfisicalTokensError
from infisical_tokens.core.redact import redact

from . import protocol
from .documents import DocumentServer

if TYPE_CHECKING:
    from infisical_tokens.core.snapshot import Snapshot

log = logging.getLogger("infisical_tokens.lsp")


class CatalogServer(DocumentServer):
    """The server's catalog of environments, folders and projects, and what it tells the client of it."""

    def __init__(self, name: str, version: str, **options: Any) -> None:
        super().__init__(name, version, **options)
        self._said_offline = False
        self._online: dict[str, tuple[bool, bool]] = {}  # per project: (online, with a note), as last told
        self.credentials_refused: str | None = None  # why this session's client may not use the login

    def workflow_context(self, uri: str) -> Context:
        """The workflows see the document's folder as the working directory, and the settings as choices."""
        path = self.path_of(uri)
        cwd = path.parent if path is not None else self.root_path()
        return Context(
            dict(os.environ),
            cwd,
            Path.home(),
            domain=self.settings.api_url,
            domain_from="the infisical.apiUrl setting",
            project_id=self.settings.project_id,
            credentials_refused=self.credentials_refused,
            warn=lambda text: log.warning(redact(text)),
        )

    def build_catalog(self) -> None:
        from infisical_tokens.core import connection  # the login and the HTTP client: after initialize is answered

        if self.catalog is not None:
            self.catalog.close()
        self.catalog = None
        self.generation += 1
        if self.settings.offline:
            self.offline_reason = "offline mode is on"
            return
        ctx = self.workflow_context("")
        try:
            connected = connection.connect(ctx, None)
        except InfisicalTokensError as err:
            self.offline_reason = redact(str(err))
            return
        self.login_api_url = connected.credentials.login_api_url
        self.offline_reason = None
        self.catalog = connection.open_catalog(connected, ctx)
        self.catalog.on_update = self._catalog_updated

    def prefetch(self) -> None:
        """Load the workspace's own project at start, so the first completion already has its environments."""
        if self.catalog is None:
            return
        root = self.root_path()
        config = self.project_files.for_file(root / "_") if root is not None else None
        project_id = project_config.project_id(self.settings.project_id, os.environ, config)
        if project_id:
            self.catalog.refresh(project_id)

    def _catalog_updated(self, project_id: str) -> None:
        """Called from the catalog's worker thread: hop back onto the event loop (gone when the session ends)."""
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._republish, project_id)

    def _republish(self, project_id: str) -> None:
        """Re-check the project's documents and tell the client its status (run from the event loop: a failure
        is logged in one line, as ``publish`` does, never as asyncio's "Exception in callback")."""
        try:
            self._republish_now(project_id)
        except Exception as err:
            log.warning("update for project %s failed: %s", project_id, redact(f"{type(err).__name__}: {err}"))

    def _republish_now(self, project_id: str) -> None:
        self.generation += 1
        for uri in list(self.workspace.text_documents):
            if self.state(uri).context.project_id == project_id:
                self.schedule(uri, delay=0)
        if self.catalog is not None and project_id:
            snap = self.catalog.snapshot(project_id)
            if not snap.online and snap.error and not self._said_offline:
                self.say_offline(snap.error)
            self._push_status(project_id, snap)

    def _push_status(self, project_id: str, snap: Snapshot) -> None:
        """Tell the client when a project is first loaded or fails to, and when its server stops answering or
        answers again (not on every update)."""
        online = snap.online and snap.error is None
        shown = (online, online and snap.note is not None)  # online, but rate-limited or partial, is news too
        if self._online.get(project_id) == shown:
            return
        self._online[project_id] = shown
        change: protocol.StatusChanged = {"projectId": project_id, "online": online, "reason": status_reason(snap)}
        self.protocol.notify(protocol.STATUS_CHANGED, change)

    def say_offline(self, reason: str | None) -> None:
        """Once per session, quietly (a log message): syntax checks go on without the server."""
        if self._said_offline:
            return
        self._said_offline = True
        self.window_log_message(
            types.LogMessageParams(
                type=types.MessageType.Info,
                message=f"Infisical: offline ({reason}). Syntax checks still run; environments and folders "
                "come from the workspace.",
            )
        )


def status_reason(snap: Snapshot) -> str | None:
    """Why a project's answers are not whole and fresh: the server not answering, or (online) its rate limit or
    a partial read; None when nothing is missing."""
    if snap.error is not None:
        return redact(snap.error)
    if not snap.online:
        return "offline"
    return redact(snap.note) if snap.note else None
