"""The language server's documents and diagnostics: each open document's index and context (kept per version and
catalog generation, carried over a keystroke), and its diagnostics, debounced and published.

Completion and hover never wait on the network: a document's context reads the catalog's snapshots (its cache or
the workspace); the catalog refreshes in the background (:mod:`.status`) and diagnostics are published again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from infisical_tokens.core.project import ProjectFiles
from infisical_tokens.core.project_config import ProjectConfig
from infisical_tokens.core.redact import redact

from . import convert
from .settings import Settings

if TYPE_CHECKING:  # the engine is imported once initialize is answered (``on_initialized``), not to start
    from infisical_tokens.core import editor
    from infisical_tokens.core.catalog import Catalog
    from infisical_tokens.core.filetypes import Kind
    from infisical_tokens.core.snippets import CommandSite

log = logging.getLogger("infisical_tokens.lsp")
DEBOUNCE_SECONDS = 0.15


def _no_context() -> editor.DocumentContext:
    from infisical_tokens.core.editor import DocumentContext

    return DocumentContext()


@dataclass
class DocumentState:
    """What is known of one version of a document: its kind and command lines (found once per version, so
    hover and completion never rescan), and under one catalog generation its context and findings."""

    version: int | None
    kind: Kind | None
    sites: list[CommandSite]
    positions: convert.PositionMap
    generation: int = -1
    context: editor.DocumentContext = field(default_factory=_no_context)
    findings: list[editor.Finding] | None = None
    completed: convert.CompletionAnswer | None = None  # the last completion answered in this version


class DocumentServer(LanguageServer):
    """The server's documents: what it knows of each, and when their diagnostics are published."""

    def __init__(self, name: str, version: str, **options: Any) -> None:
        super().__init__(name, version, **options)
        self.settings = Settings()
        self.catalog: Catalog | None = None  # built by :class:`.status.CatalogServer`; read here through snapshots
        self.offline_reason: str | None = None
        self.login_api_url: str | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.states: dict[str, DocumentState] = {}
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._ready: asyncio.Event | None = None
        self._waiting: set[str] = set()
        self.generation = 0  # bumped whenever the catalog changes, so cached document contexts expire
        self.project_files = ProjectFiles(self._open_text)
        self.completions = convert.CompletionWriter(self.protocol._converter.unstructure)

    @property
    def ready(self) -> asyncio.Event:
        """Set once settings are read and the catalog is built (commands wait for it)."""
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    async def until_ready(self) -> None:
        try:
            await asyncio.wait_for(self.ready.wait(), timeout=10)
        except asyncio.TimeoutError:
            log.warning("initialization did not finish; answering with what is known")

    # ------------------------------------------------------------------ documents and projects
    def document(self, uri: str) -> TextDocument:
        """An open document. Never read from disk: a request naming an unopened URI (a FIFO, /dev/zero)
        must not block or fill memory; it gets an empty answer (see ``guarded``)."""
        if uri not in self.workspace.text_documents:
            raise LookupError(f"{uri} is not open")
        return self.workspace.get_text_document(uri)

    @staticmethod
    def path_of(uri: str) -> Path | None:
        parsed = urlparse(uri)
        return Path(unquote(parsed.path)) if parsed.scheme == "file" else None

    def kind_of(self, doc: TextDocument) -> Kind | None:
        from infisical_tokens.core.snippets import kind_for

        path = self.path_of(doc.uri)
        return kind_for(path.as_posix() if path else doc.uri, doc.language_id)

    def _open_text(self, path: Path) -> str | None:
        """An open document's text wins over the file on disk (an unsaved .infisical.json counts)."""
        uri = path.as_uri()
        return self.document(uri).source if uri in self.workspace.text_documents else None

    def project_config(self, uri: str) -> ProjectConfig | None:
        """The ``.infisical.json`` a document belongs to (its own text when it is one)."""
        path = self.path_of(uri)
        return self.project_files.for_file(path) if path is not None else None

    def state(self, uri: str) -> DocumentState:
        """The document's index (once per version) and context (once per version and catalog generation)."""
        from infisical_tokens.core.snippets import find_commands

        doc = self.document(uri)
        state = self.states.get(uri)
        if state is None or state.version != doc.version or doc.version is None:
            kind = self.kind_of(doc)
            positions = convert.PositionMap(doc.source, self.position_encoding)
            state = self.states[uri] = DocumentState(doc.version, kind, find_commands(doc.source, kind), positions)
        if state.generation != self.generation:
            state.context = self._context(uri, doc.source, state.kind, state.sites)
            state.generation, state.findings = self.generation, None
        return state

    def _context(self, uri: str, text: str, kind: Kind | None, sites: list[CommandSite]) -> editor.DocumentContext:
        from infisical_tokens.core.editor.document import document_context

        return document_context(
            text,
            kind,
            self.project_config(uri),
            explicit_project=self.settings.project_id,
            env=os.environ,
            snapshots=self.catalog.snapshot if self.catalog is not None else None,
            offline_reason=self.offline_reason,
            login_api_url=self.login_api_url,
            sites=sites,
        )

    def follow_edit(self, uri: str, changes: Sequence[types.TextDocumentContentChangeEvent]) -> None:
        """Carry the document's index over one incremental change (a keystroke), re-reading only the lines it
        touched. Anything else (several changes, the whole text, a text that does not add up to the editor's)
        is left to ``state``'s full rebuild."""
        from infisical_tokens.core import editor
        from infisical_tokens.core.snippets import edit_commands

        state = self.states.get(uri)
        change = changes[0] if len(changes) == 1 else None
        if (
            state is None
            or state.kind in (None, "project-json")
            or not isinstance(change, types.TextDocumentContentChangePartial)
        ):
            return
        doc = self.document(uri)
        old, text = state.positions.text, doc.source
        start, end = state.positions.offset(change.range.start), state.positions.offset(change.range.end)
        if end < start or len(text) != len(old) - (end - start) + len(change.text):
            return
        if old[:start] + change.text + old[end:] != text:
            return  # the editor counted lines or units another way: read the document afresh
        new_end = start + len(change.text)
        edited = edit_commands(state.sites, old, text, state.kind, start, end, new_end)
        keys = [site.key for site in edited.removed if site.is_service_token]
        context, generation = state.context, state.generation
        if keys != [site.key for site in edited.added if site.is_service_token]:
            # the context depends on the document only through its scopes; these changed: ask again
            context, generation = self._context(uri, text, state.kind, edited.sites), self.generation
        findings = None
        if state.findings is not None and state.generation == self.generation and context == state.context:
            findings = editor.diagnose_edit(state.findings, edited, context)
        positions = state.positions.edited(text, start, end, new_end)
        self.states[uri] = DocumentState(
            doc.version, state.kind, edited.sites, positions, generation, context, findings
        )

    def context_for(self, uri: str) -> editor.DocumentContext:
        from infisical_tokens.core.editor.document import document_context

        if uri in self.workspace.text_documents:
            return self.state(uri).context
        config = self.project_config(uri)
        return document_context(
            "",
            None,
            config,
            explicit_project=self.settings.project_id,
            env=os.environ,
            snapshots=self.catalog.snapshot if self.catalog is not None else None,
            offline_reason=self.offline_reason,
            login_api_url=self.login_api_url,
        )

    def root_path(self) -> Path:
        folders = list(self.workspace.folders.values())
        root = self.path_of(folders[0].uri) if folders else None
        return root or Path.cwd()

    # ------------------------------------------------------------------ diagnostics
    def schedule(self, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
        if self.loop is None:
            self.loop = asyncio.get_event_loop()
        if not self.ready.is_set():
            self._waiting.add(uri)  # published once settings and credentials are known
            return
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._pending[uri] = self.loop.call_later(delay, self.publish, uri)

    def findings(self, uri: str) -> list[editor.Finding]:
        from infisical_tokens.core import editor

        state = self.state(uri)
        if state.findings is None:
            state.findings = editor.diagnose(self.document(uri).source, state.kind, state.context, state.sites)
        return state.findings

    def publish(self, uri: str) -> None:
        """Publish diagnostics (run from a timer: a failure is logged in one line, never as a traceback)."""
        try:
            self._publish(uri)
        except Exception as err:
            log.warning("diagnostics for %s failed: %s", uri, redact(f"{type(err).__name__}: {err}"))

    def _publish(self, uri: str) -> None:
        self._pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        doc = self.document(uri)
        found = self.findings(uri) if self.settings.diagnostics else []
        positions = self.state(uri).positions
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=doc.version, diagnostics=[convert.diagnostic(f, positions) for f in found]
            )
        )

    @property
    def position_encoding(self) -> str:
        encoding = getattr(self.workspace, "position_encoding", None)
        return str(encoding or types.PositionEncodingKind.Utf16)
