"""pygls handlers. Each one finds the document, asks :mod:`core.analysis`, and converts the answer.

Diagnostics are debounced per document; completion and hover never wait on the network (the catalog
answers from its cache or the workspace and refreshes in the background, then diagnostics are
published again). A created token travels only in the response to the command that asked for it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import logging
import os
import signal
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from infisical_tokens.core import __version__, command, editor, render, resolve, tokenfile, workflows
from infisical_tokens.core.audit import AuditOptions
from infisical_tokens.core.catalog import Catalog, Snapshot
from infisical_tokens.core.editor.context import document_context
from infisical_tokens.core.errors import InfisicalTokensError, ProblemsError, UsageError
from infisical_tokens.core.filetypes import Kind
from infisical_tokens.core.folders import Need
from infisical_tokens.core.project import ProjectConfig, ProjectFiles
from infisical_tokens.core.redact import mask_token, redact
from infisical_tokens.core.snippets import CommandSite, edit_commands, find_commands, kind_for

from . import convert, protocol, tcp_auth
from .settings import Settings
from .shield import InfisicalProtocol, Shield, shielded

log = logging.getLogger("infisical_tokens.lsp")
DEBOUNCE_SECONDS = 0.15
STATUS_RECHECK_SECONDS = 5.0  # a status asked for after this long since the server last answered asks it again
TRIGGER_CHARACTERS = ["=", ":", "/", ",", " ", '"', "-"]
COMMANDS = tuple(protocol.COMMANDS)


class RedactSecrets(logging.Filter):
    """Defence in depth: no log record leaves the process with a service token, a JWT or a traceback in it
    (a traceback's frames can hold either; one line names the exception instead)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            error = record.exc_info[1]
            message += f" ({type(error).__name__}: {error})" if error is not None else ""
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.msg, record.args = redact(message), ()
        return True


class DropLateCancels(logging.Filter):
    """VS Code cancels completions it no longer needs, often after they were answered; pygls warns about each
    one, which filled the output channel with lines that mean nothing to a person."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Cancel notification for unknown message id")


@dataclass
class DocumentState:
    """What is known of one version of a document: its kind and command lines (found once per version, so
    hover and completion never rescan), and under one catalog generation its context and findings."""

    version: int | None
    kind: Kind | None
    sites: list[CommandSite]
    positions: convert.PositionMap
    generation: int = -1
    context: editor.DocumentContext = field(default_factory=editor.DocumentContext)
    findings: list[editor.Finding] | None = None


class InfisicalLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "infisical-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=InfisicalProtocol,
        )
        self.shields: dict[Any, Shield] = {}  # request id -> the create it guards
        self.settings = Settings()
        self.catalog: Catalog | None = None
        self.offline_reason: str | None = None
        self.login_api_url: str | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.states: dict[str, DocumentState] = {}
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._said_offline = False
        self._online: dict[str, tuple[bool, bool]] = {}  # per project: (online, with a note), as last told
        self.snippets = False
        self.markdown = False
        self.retrigger = False
        self.supports_progress = False
        self.configuration = False
        self._ready: asyncio.Event | None = None
        self._waiting: set[str] = set()
        self.generation = 0  # bumped whenever the catalog changes, so cached document contexts expire
        self.exited = False  # the client asked the process to exit (not merely disconnected)
        self.project_files = ProjectFiles(self._open_text)
        self.tcp_gate: tcp_auth.TcpGate | None = None  # set on TCP: a client must present its secret
        self.credentials_refused: str | None = None  # why this session's client may not use the login

    def reset_session(self) -> None:
        """Forget one client's session (its event loop, documents and timers) before serving the next."""
        if isinstance(self.protocol, InfisicalProtocol):
            self.protocol.initialized = False  # the next client must initialize too
        for pending in self._pending.values():
            pending.cancel()
        self.loop, self._ready = None, None
        self.states, self._pending, self._waiting = {}, {}, set()
        self._said_offline = False
        self._online = {}
        if self.catalog is not None:  # built for the last client: the next one must not read through it
            self.catalog.close()
        self.catalog, self.settings, self.offline_reason, self.login_api_url = None, Settings(), None, None
        self.credentials_refused = self.tcp_gate.refusal if self.tcp_gate is not None else None

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

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Never show a person Python's words: a body that is not JSON is answered with Parse error, anything
        else the reader loop met is logged (in one line, see :class:`RedactSecrets`) and not shown."""
        if isinstance(error, json.JSONDecodeError) and isinstance(self.protocol, InfisicalProtocol):
            self.protocol.refuse_unparsable(error)
        elif source is not FeatureRequestError:
            log.warning("a message could not be handled: %s", redact(f"{type(error).__name__}: {error}"))

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

    def workflow_context(self, uri: str) -> workflows.Context:
        """The workflows see the document's folder as the working directory, and the settings as choices."""
        path = self.path_of(uri)
        cwd = path.parent if path is not None else self.root_path()
        return workflows.Context(
            dict(os.environ),
            cwd,
            Path.home(),
            domain=self.settings.api_url,
            domain_from="the infisical.apiUrl setting",
            project_id=self.settings.project_id,
            credentials_refused=self.credentials_refused,
            warn=lambda text: log.warning(redact(text)),
        )

    def root_path(self) -> Path:
        folders = list(self.workspace.folders.values())
        root = self.path_of(folders[0].uri) if folders else None
        return root or Path.cwd()

    # ------------------------------------------------------------------ catalog
    def build_catalog(self) -> None:
        if self.catalog is not None:
            self.catalog.close()
        self.catalog = None
        self.generation += 1
        if self.settings.offline:
            self.offline_reason = "offline mode is on"
            return
        ctx = self.workflow_context("")
        try:
            connection = workflows.connect(ctx, None)
        except InfisicalTokensError as err:
            self.offline_reason = redact(str(err))
            return
        self.login_api_url = connection.credentials.login_api_url
        self.offline_reason = None
        self.catalog = workflows.open_catalog(connection, ctx)
        self.catalog.on_update = self._catalog_updated

    def prefetch(self) -> None:
        """Load the workspace's own project at start, so the first completion already has its environments."""
        if self.catalog is None:
            return
        root = self.root_path()
        config = self.project_files.for_file(root / "_") if root is not None else None
        project_id = resolve.project_id(self.settings.project_id, os.environ, config)
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


server = InfisicalLanguageServer()
Handler = TypeVar("Handler", bound=Callable[..., Any])


def guarded(default: Callable[[], Any]) -> Callable[[Handler], Handler]:
    """A handler that fails answers ``default()`` and logs one line: no traceback reaches a log or a client."""

    def decorator(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def handler(ls: InfisicalLanguageServer, params: Any) -> Any:
            try:
                return fn(ls, params)
            except Exception as err:
                log.warning("%s failed: %s", fn.__name__, redact(f"{type(err).__name__}: {err}"))
                return default()

        return handler  # type: ignore[return-value]

    return decorator


def server_command(name: str, failed: Callable[[str], Any]) -> Callable[[Handler], Handler]:
    """Register a ``workspace/executeCommand`` handler taking one optional object argument.

    Any arguments are accepted (none, ``[]``, a non-object): the handler sees ``{}`` for what is not an
    object, and a failure answers ``failed(reason)`` instead of an internal error with a traceback.
    """

    def decorator(fn: Handler) -> Handler:
        async def handler(ls: InfisicalLanguageServer, *arguments: Any) -> Any:
            request = arguments[0] if arguments and isinstance(arguments[0], dict) else {}
            try:
                return await fn(ls, request)
            except Exception as err:
                reason = redact(f"{type(err).__name__}: {err}")
                log.warning("%s failed: %s", name, reason)
                return failed(reason)

        server.command(name)(handler)
        return fn

    return decorator


# ---------------------------------------------------------------------- lifecycle and settings


@server.feature(types.INITIALIZE)
def on_initialize(ls: InfisicalLanguageServer, params: types.InitializeParams) -> None:
    caps = params.capabilities
    completion = caps.text_document.completion if caps.text_document else None
    item = completion.completion_item if completion else None
    ls.snippets = bool(item and item.snippet_support)
    ls.markdown = bool(
        caps.text_document
        and caps.text_document.hover
        and types.MarkupKind.Markdown in (caps.text_document.hover.content_format or [])
    )
    client = (params.client_info.name if params.client_info else "") or ""
    ls.retrigger = "visual studio code" in client.lower() or "vscode" in client.lower()
    ls.supports_progress = bool(caps.window and caps.window.work_done_progress)
    ls.configuration = bool(caps.workspace and caps.workspace.configuration)
    settings, problems = Settings.from_json(params.initialization_options)
    ls.settings = settings
    if ls.tcp_gate is not None:
        admitted = ls.tcp_gate.admits(params.initialization_options)
        ls.credentials_refused = None if admitted else ls.tcp_gate.refusal
    for problem in problems:
        log.warning(problem)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: InfisicalLanguageServer, params: types.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    if ls.configuration:
        try:
            config = await ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="infisical")])
            )
            ls.settings, problems = Settings.from_json(config[0] if config else None, ls.settings)
            for problem in problems:
                log.warning(problem)
        except Exception as err:
            log.info("workspace/configuration failed: %s", type(err).__name__)
    ls.build_catalog()
    ls.ready.set()
    ls.prefetch()
    gc.collect()
    gc.freeze()  # what start-up built lives for the whole session: keep it out of every later collection
    for uri in ls._waiting:
        ls.schedule(uri, delay=0)
    ls._waiting.clear()
    if ls.catalog is None:
        ls.say_offline(ls.offline_reason)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration(ls: InfisicalLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    data = params.settings.get("infisical") if isinstance(params.settings, dict) else None
    if data is None and ls.configuration:
        config = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="infisical")])
        )
        data = config[0] if config else None
    ls.settings, _ = Settings.from_json(data, ls.settings)
    ls._said_offline = False
    ls.build_catalog()
    for uri in list(ls.workspace.text_documents):
        ls.schedule(uri, delay=0)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded(lambda: None)
def on_change(
    ls: InfisicalLanguageServer,
    params: types.DidOpenTextDocumentParams | types.DidChangeTextDocumentParams | types.DidSaveTextDocumentParams,
) -> None:
    uri = params.text_document.uri
    if isinstance(params, types.DidChangeTextDocumentParams):
        ls.follow_edit(uri, params.content_changes)
    if uri.endswith("/.infisical.json") and not isinstance(params, types.DidOpenTextDocumentParams):
        ls.generation += 1  # every document below this project file may belong to another project now
        for other in list(ls.workspace.text_documents):
            if other != uri:
                ls.schedule(other)
    ls.schedule(uri, delay=0 if isinstance(params, types.DidOpenTextDocumentParams) else DEBOUNCE_SECONDS)


@server.feature(types.EXIT)
def on_exit(ls: InfisicalLanguageServer, params: Any = None) -> None:
    ls.exited = True


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded(lambda: None)
def on_close(ls: InfisicalLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls._pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.states.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# ---------------------------------------------------------------------- completion, hover, actions


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))
@guarded(lambda: types.CompletionList(is_incomplete=True, items=[]))
def on_completion(ls: InfisicalLanguageServer, params: types.CompletionParams) -> types.CompletionList:
    doc = ls.document(params.text_document.uri)
    state = ls.state(doc.uri)
    positions, context = state.positions, state.context
    result = editor.complete(doc.source, state.kind, positions.offset(params.position), context, state.sites)
    if (
        result.wants
        and ls.catalog is not None
        and context.project_id
        and ls.catalog.want(context.project_id, result.wants)
    ):
        ls.catalog.refresh(context.project_id)  # read in the background; the list says it is incomplete
    items = convert.completion_items(result.items, positions, snippets=ls.snippets, retrigger=ls.retrigger)
    return types.CompletionList(is_incomplete=result.incomplete, items=items)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded(lambda: None)
def on_hover(ls: InfisicalLanguageServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.document(params.text_document.uri)
    state = ls.state(doc.uri)
    info = editor.hover(doc.source, state.kind, state.positions.offset(params.position), state.context, state.sites)
    return convert.hover(info, state.positions, ls.markdown) if info is not None else None


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor]),
)
@guarded(list)
def on_code_action(ls: InfisicalLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    doc = ls.document(uri)
    state = ls.state(uri)
    positions = state.positions
    start, end = positions.offset(params.range.start), positions.offset(params.range.end)
    found = ls.findings(uri)
    result = []
    for action in editor.actions(doc.source, state.kind, start, end, state.context, found, state.sites):
        if action.kind == "quickfix" and action.edit is not None:
            related = [convert.diagnostic(f, positions) for f in found if f.code == action.code]
            result.append(
                types.CodeAction(
                    title=action.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=related or None,
                    is_preferred=action.preferred,
                    edit=types.WorkspaceEdit(changes={uri: [convert.text_edit(action.edit, positions)]}),
                )
            )
        elif action.create is not None:
            result.append(
                types.CodeAction(
                    title=action.title,
                    kind=types.CodeActionKind.Refactor,
                    command=types.Command(
                        title=action.title,
                        command=protocol.CREATE,
                        arguments=[{"uri": uri, "argv": list(action.create.argv)}],
                    ),
                )
            )
    return result


# ---------------------------------------------------------------------- commands


def _words(request: dict[str, Any], key: str) -> list[str]:
    """A list argument of a command (``argv``, ``scopes``): anything else is a clear refusal, not a TypeError."""
    value = request.get(key) or []
    if not isinstance(value, list):
        raise UsageError(f"'{key}' must be a list of strings.")
    return [str(word) for word in value]


def create_options(request: dict[str, Any]) -> tuple[command.CreateOptions, list[Any]]:
    """A create from a document's command line (``argv``), or from the pickers' structured values."""
    if request.get("argv"):
        parsed, problems = command.check(_words(request, "argv"))
        if parsed.subcommand is not command.CREATE:
            raise UsageError("Not a service-token create command.")
        options = command.create_options(parsed)[0]
        return (replace(options, dry_run=True) if request.get("dryRun") is True else options), problems
    expiry = request.get("expirySeconds")
    if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int)):
        raise UsageError("expirySeconds must be a whole number of seconds.")
    return command.create_options_from_values(
        _words(request, "scopes"),
        _words(request, "accessLevels"),
        name=request.get("name") if isinstance(request.get("name"), str) else None,
        expiry_seconds=expiry,
        project_id=request.get("projectId") if isinstance(request.get("projectId"), str) else None,
        dry_run=request.get("dryRun") is True,
    )


def _failure(message: str) -> protocol.CreateAnswer:
    return {"ok": False, "message": redact(message)}


@server_command(
    protocol.CREATE,
    lambda reason: _failure(
        f"Unexpected failure ({reason}). If the request reached the server a token may exist: check with "
        "`infisical-tokens service-token list`."
    ),
)
async def create_service_token(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.CreateAnswer:
    """Create a token from a document's command line ({uri, argv}) or explicit values (the palette).

    The request is shielded from its first moment: a cancel before the create is sent stops it, one after is
    noted and the token is still handed over.
    """
    with shielded(ls.shields, ls.protocol.msg_id) as shield:
        return await _create(ls, request, shield)


async def _create(ls: InfisicalLanguageServer, request: dict[str, Any], shield: Shield) -> protocol.CreateAnswer:
    await ls.until_ready()
    uri = str(request.get("uri") or "")
    if ls.settings.offline:
        return _failure("Offline mode is on (infisical.offline); nothing was created.")
    ctx = ls.workflow_context(uri)
    try:
        options, problems = create_options(request)
        plan = workflows.plan_create(options, problems, ctx)
    except ProblemsError as err:
        return _failure(next(p.text() for p in err.problems if p.severity == "error"))
    except InfisicalTokensError as err:
        return _failure(str(err))

    if options.dry_run:
        return await _dry_run(plan, ctx)

    target_file: Path | None = None
    if not ls.settings.client_handles_tokens:
        target_file, base = _token_target(ls, uri)
        why = await _in_thread(tokenfile.refusal, target_file, base)  # asks git; never on the event loop
        if why is not None:
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message=f"Not created: this editor cannot receive a token safely, and {why}. Add it to "
                    ".gitignore (or set infisical.tokenFile), or run `infisical-tokens service-token create "
                    "--token-only` in a terminal.",
                )
            )
            return _failure(f"Not created: {why}.")
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=f"Create service token '{options.name}' and write it to {target_file.name} (gitignored)?",
                actions=[types.MessageActionItem(title="Create"), types.MessageActionItem(title="Cancel")],
            )
        )
        if choice is None or choice.title != "Create":
            return _failure("Cancelled.")
    return await _shielded_create(ls, shield, plan, ctx, target_file)


async def _shielded_create(
    ls: InfisicalLanguageServer,
    shield: Shield,
    plan: workflows.CreatePlan,
    ctx: workflows.Context,
    target_file: Path | None,
) -> protocol.CreateAnswer:
    """Send the create unless the request was cancelled first; once sent, answer even if the client cancels."""
    if not shield.act():
        return _failure("Cancelled; nothing was created.")
    answer = await _create_and_hand_over(ls, plan, ctx, target_file)
    if answer.get("ok"):
        where = f"was written to {target_file}." if "writtenTo" in answer else None
        shield.tell(ls, str(answer.get("name")), str(answer.get("masked")), str(answer.get("id")), where)
    return answer


async def _create_and_hand_over(
    ls: InfisicalLanguageServer, plan: workflows.CreatePlan, ctx: workflows.Context, target_file: Path | None
) -> protocol.CreateAnswer:
    try:
        result = await _in_thread(workflows.create, plan, ctx)
    except ProblemsError as err:
        return _failure(err.problems[0].text())
    except InfisicalTokensError as err:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=redact(f"Infisical: {err}"))
        )
        return _failure(str(err))
    masked = mask_token(result.token)
    answer: protocol.CreateAnswer = {
        "ok": True,
        "id": result.info.id,
        "name": result.info.name,
        "projectId": plan.project_id,
        "expiresAt": result.info.expires_at,
        "scopes": [s.text for s in result.info.scopes],
        "masked": masked,
    }
    if target_file is None:
        answer["token"] = result.token
        return answer
    try:
        await _in_thread(tokenfile.write, target_file, result.token)
    except (OSError, UnicodeError) as err:
        # the token exists and nowhere else holds it: hand it back rather than lose it
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error,
                message=f"Service token '{result.info.name}' ({masked}) was created, but {target_file} could not be "
                f"written ({type(err).__name__}); the token is in this command's response. Delete it with "
                f"`infisical-tokens service-token delete {result.info.id}` if you cannot use it.",
            )
        )
        answer["token"] = result.token
        return answer
    answer["writtenTo"] = str(target_file)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Info,
            message=f"Service token '{result.info.name}' ({masked}) written to {target_file} as INFISICAL_TOKEN.",
        )
    )
    return answer


async def _dry_run(plan: workflows.CreatePlan, ctx: workflows.Context) -> protocol.CreateAnswer:
    try:
        outcome = await asyncio.get_running_loop().run_in_executor(None, workflows.dry_run, plan, ctx)
    except ProblemsError as err:
        return _failure(err.problems[0].text())
    except InfisicalTokensError as err:
        return _failure(str(err))
    return {"ok": True, "projectId": plan.project_id, "preview": render.dry_run_text(outcome)}


def _token_target(ls: InfisicalLanguageServer, uri: str) -> tuple[Path, Path]:
    """The token file next to the project (or the document), and the folder it was resolved from."""
    path = ls.path_of(uri)
    config = ls.project_config(uri)
    base = config.path.parent if config is not None else (path.parent if path else ls.root_path())
    return (base / ls.settings.token_file).resolve(), base


def status_reason(snap: Snapshot) -> str | None:
    """Why a project's answers are not whole and fresh: the server not answering, or (online) its rate limit or
    a partial read; None when nothing is missing."""
    if snap.error is not None:
        return redact(snap.error)
    if not snap.online:
        return "offline"
    return redact(snap.note) if snap.note else None


def _status_failed(reason: str) -> protocol.StatusAnswer:
    return {"projectId": None, "defaultEnvironment": "", "branchMapping": {}, "online": False, "reason": reason}


def _snapshot_for(ls: InfisicalLanguageServer, request: dict[str, Any]) -> Snapshot:
    project_id = request.get("projectId")
    if isinstance(project_id, str) and project_id and ls.catalog is not None:
        return ls.catalog.snapshot(project_id)
    return ls.context_for(str(request.get("uri") or "")).snapshot


@server_command(protocol.LIST_ENVIRONMENTS, lambda reason: {"online": False, "environments": []})
async def list_environments(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.EnvironmentsAnswer:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    return {"online": snap.online, "environments": [{"slug": e.slug, "name": e.name} for e in snap.environments]}


@server_command(
    protocol.LIST_FOLDERS, lambda reason: {"online": False, "folders": [], "reason": reason, "partial": True}
)
async def list_folders(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.FoldersAnswer:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    environment = str(request.get("environment", ""))
    folders = list(snap.folders.get(environment, ()))
    partial = not snap.online or snap.note is not None or not snap.knows_all(Need(environment, "/"))
    return {"online": snap.online, "folders": folders, "reason": status_reason(snap), "partial": partial}


@server_command(protocol.LIST_PROJECTS, lambda reason: {"online": False, "projects": []})
async def list_projects(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.ProjectsAnswer:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    projects = snap.projects or (ls.catalog.projects() if ls.catalog else ())
    return {"online": snap.online, "projects": [{"id": p.id, "name": p.name} for p in projects]}


@server_command(protocol.STATUS, _status_failed)
async def status(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.StatusAnswer:
    await ls.until_ready()
    context = ls.context_for(str(request.get("uri") or ""))
    snap, config = context.snapshot, context.config
    if ls.catalog is not None and context.project_id:
        # asked when a person switches editors: a server gone since its last answer shows in a moment
        # (statusChanged), without waiting for the cache to go stale
        snap = ls.catalog.snapshot(context.project_id, max_age=STATUS_RECHECK_SECONDS)
    online = snap.online and snap.error is None
    loading = "loading environments and folders" if ls.catalog is not None and not snap.online else None
    return {
        "projectId": context.project_id,
        "defaultEnvironment": config.default_environment if config else "",
        "branchMapping": config.branch_mapping if config else {},
        "online": online,
        "reason": status_reason(snap) if online or snap.error else (ls.offline_reason or loading),
    }


@server_command(protocol.REFRESH, lambda reason: {"online": False, "reason": reason})
async def refresh_catalog(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.RefreshAnswer:
    await ls.until_ready()
    project_id = request.get("projectId") or ls.context_for(str(request.get("uri") or "")).project_id
    if ls.catalog is None or not project_id:
        return {"online": False, "reason": ls.offline_reason or "no project"}
    token = f"infisical-refresh-{uuid.uuid4()}"  # a progress token may be registered only once per run
    progress = ls.supports_progress
    if progress:
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(
                token, types.WorkDoneProgressBegin(title="Infisical", message="Loading environments and folders")
            )
        except Exception as err:
            log.info("no progress for this refresh: %s", type(err).__name__)
            progress = False
    try:
        await asyncio.wrap_future(ls.catalog.refresh(str(project_id), forget=True))
        online, reason = True, None
    except Exception as err:
        online, reason = False, redact(str(err))
    finally:
        if progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    return {"online": online, "reason": reason}


# ---------------------------------------------------------------------- rotate, delete, audit (the palette)


def _token_failure(reason: str) -> dict[str, Any]:
    return {"ok": False, "message": redact(reason)}


def _project_of(ls: InfisicalLanguageServer, request: dict[str, Any]) -> tuple[workflows.Context, str | None]:
    ctx = ls.workflow_context(str(request.get("uri") or ""))
    project_id = request.get("projectId") if isinstance(request.get("projectId"), str) else None
    return ctx, project_id


async def _in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


@server_command(protocol.LIST_TOKENS, _token_failure)
async def list_tokens(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.TokensAnswer:
    await ls.until_ready()
    ctx, project_id = _project_of(ls, request)
    try:
        listed = await _in_thread(workflows.list_tokens, ctx, project_id)
    except InfisicalTokensError as err:
        return {"ok": False, "message": redact(str(err))}
    tokens: list[protocol.TokenItem] = [
        {
            "id": t.id,
            "name": t.name,
            "scopes": [s.text for s in t.scopes],
            "permissions": list(t.permissions),
            "expiresAt": t.expires_at,
            "lastUsed": t.last_used,
        }
        for t in listed.tokens
    ]
    return {"ok": True, "tokens": tokens}


@server_command(protocol.ROTATE, _token_failure)
async def rotate_service_token(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.RotateAnswer:
    """Rotate for a client that takes the new token (our extension: it goes to the clipboard, nowhere else)."""
    with shielded(ls.shields, ls.protocol.msg_id) as shield:
        return await _rotate(ls, request, shield)


async def _rotate(ls: InfisicalLanguageServer, request: dict[str, Any], shield: Shield) -> protocol.RotateAnswer:
    await ls.until_ready()
    if not ls.settings.client_handles_tokens:
        return {"ok": False, "message": "Rotate from a terminal: infisical-tokens service-token rotate ID --token-only"}
    ctx, project_id = _project_of(ls, request)
    notes: list[str] = []  # said in the answer, where the person looks (an expired old token, for one)
    ctx = replace(ctx, warn=lambda text: notes.append(redact(text)))
    if not shield.act():
        return {"ok": False, "message": "Cancelled; nothing was created or deleted."}
    try:
        outcome = await _in_thread(workflows.rotate, ctx, str(request.get("tokenId") or ""), project_id)
    except ProblemsError as err:
        return {"ok": False, "message": redact(err.problems[0].text())}
    except InfisicalTokensError as err:
        return {"ok": False, "message": redact(str(err))}
    assert isinstance(outcome, workflows.Rotated)
    old, masked = outcome.old, mask_token(outcome.created.token)
    shield.tell(ls, outcome.created.info.name, masked, outcome.created.info.id)
    return {
        "ok": True,
        "token": outcome.created.token,
        "masked": masked,
        "name": outcome.created.info.name,
        "oldId": old.id,
        "oldDeleted": outcome.deleted,
        "message": " ".join(
            [*notes, render.rotated_text(old.name, old.id, outcome.deleted, outcome.delete_error)]
        ).strip(),
    }


@server_command(protocol.DELETE, _token_failure)
async def delete_service_token(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.DeleteAnswer:
    """Delete a token the person picked and confirmed in the client."""
    await ls.until_ready()
    ctx, project_id = _project_of(ls, request)
    ctx = replace(ctx, confirm=lambda _label: True)
    try:
        deleted = await _in_thread(workflows.delete, ctx, str(request.get("tokenId") or ""), project_id)
    except InfisicalTokensError as err:
        return {"ok": False, "message": redact(str(err))}
    return {"ok": True, "message": f"Deleted service token '{deleted.info.name}' ({deleted.info.id})."}


@server_command(protocol.AUDIT, _token_failure)
async def audit_service_tokens(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.AuditAnswer:
    await ls.until_ready()
    ctx, project_id = _project_of(ls, request)
    try:
        report = await _in_thread(workflows.run_audit, ctx, AuditOptions(), project_id)
    except InfisicalTokensError as err:
        return {"ok": False, "message": redact(str(err))}
    findings: list[protocol.FindingItem] = [
        {
            "code": f.code,
            "severity": f.severity,
            "tokenId": f.token_id,
            "tokenName": f.token_name,
            "message": f.message,
            "hint": f.hint,
        }
        for f in report.findings
    ]
    answer: protocol.AuditAnswer = {"ok": True, "findings": findings, "tokens": len(report.tokens)}
    if report.note:
        answer["note"] = f"folder checks skipped: {report.note}"  # the findings do not cover every folder
    return answer


from . import migrate_command as migrate_command  # noqa: E402  (registers its command on the server above)

# ---------------------------------------------------------------------- entry point


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(DropLateCancels())
    handler.addFilter(RedactSecrets())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pygls logs every message body at INFO; bodies can hold a created token, so never let them through.
    logging.getLogger("pygls").setLevel(max(logging.WARNING, root.level))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="infisical-lsp", description="Infisical service-token language server")
    parser.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2087)
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default=os.environ.get("INFISICAL_LSP_LOG_LEVEL", "WARNING").upper(),
    )
    parser.add_argument("--version", action="version", version=f"infisical-lsp {__version__}")
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    # fewer, cheaper collections: a full collection in the middle of a completion request was its p99
    gc.set_threshold(20_000, 20, 50)
    if args.tcp:
        serve_tcp(args.host, args.port)
    else:
        server.start_io()


def serve_tcp(host: str, port: int) -> None:
    """Serve one client at a time, for as long as the process lives.

    pygls ends its TCP server when a client disconnects, so a port scan (connect, close) used to stop it;
    each ended session is followed by a fresh one on the same port, with the session's state reset.
    Another account can connect too: only a client presenting the secret may use the login (:mod:`tcp_auth`).
    """
    gate, notice = tcp_auth.open_gate(port, os.environ, Path.home())
    print(notice, file=sys.stderr, flush=True)
    server.tcp_gate = gate
    server.reset_session()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that the secret's file goes with the server
    try:
        while True:
            tcp_auth.serve_one_client(server, host, port)
            if server.exited:
                return
            server.reset_session()
    finally:
        gate.remove()
