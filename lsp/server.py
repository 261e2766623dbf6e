"""pygls handlers. Each one finds the document, asks :mod:`core.analysis`, and converts the answer.

Diagnostics are debounced per document; completion and hover never wait on the network (the catalog
answers from its cache or the workspace and refreshes in the background, then diagnostics are
published again). A created token travels only in the response to the command that asked for it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from infisical_tokens.core import __version__, analysis, command, operations
from infisical_tokens.core.catalog import Catalog, Snapshot, offline_snapshot
from infisical_tokens.core.errors import InfisicalTokensError
from infisical_tokens.core.ignore import GitIgnore, find_root
from infisical_tokens.core.project import ProjectConfig, find_project_file, parse_project_config_lenient
from infisical_tokens.core.snippets import Kind, kind_for
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from . import convert
from .settings import Settings

log = logging.getLogger("infisical_tokens.lsp")
DEBOUNCE_SECONDS = 0.15
TRIGGER_CHARACTERS = ["=", ":", "/", ",", " ", '"', "-"]
CREATE = "infisical.server.createServiceToken"
COMMANDS = (
    CREATE,
    "infisical.server.listEnvironments",
    "infisical.server.listFolders",
    "infisical.server.listProjects",
    "infisical.server.refreshCatalog",
    "infisical.server.status",
)
_SECRET = re.compile(r"st\.[\w-]+\.[0-9a-f]{16,}(?:\.[0-9a-f]+)?|eyJ[\w-]+\.[\w-]+\.[\w-]+")


class RedactSecrets(logging.Filter):
    """Defence in depth: no log record leaves the process with a service token or a JWT in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg, record.args = _SECRET.sub("<redacted>", message), ()
        return True


@dataclass
class DocumentState:
    version: int | None
    findings: list[analysis.Finding]


class InfisicalLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("infisical-lsp", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self.catalog: Catalog | None = None
        self.offline_reason: str | None = None
        self.login_api_url: str | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.states: dict[str, DocumentState] = {}
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._said_offline = False
        self.snippets = False
        self.markdown = False
        self.retrigger = False
        self.supports_progress = False
        self.configuration = False
        self._ready: asyncio.Event | None = None
        self._waiting: set[str] = set()
        self._configs: dict[Path, tuple[int, ProjectConfig]] = {}

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
        return self.workspace.get_text_document(uri)

    @staticmethod
    def path_of(uri: str) -> Path | None:
        parsed = urlparse(uri)
        return Path(unquote(parsed.path)) if parsed.scheme == "file" else None

    def kind_of(self, doc: TextDocument) -> Kind | None:
        path = self.path_of(doc.uri)
        return kind_for(path.as_posix() if path else doc.uri, doc.language_id)

    def project_config(self, uri: str) -> ProjectConfig | None:
        """The nearest ``.infisical.json`` above the document (its own text when it is one)."""
        path = self.path_of(uri)
        if path is None:
            return None
        found = path if path.name == ".infisical.json" else find_project_file(path.parent)
        if found is None:
            return None
        if found.as_uri() in self.workspace.text_documents:
            return parse_project_config_lenient(self.document(found.as_uri()).source, found)
        try:
            stamp = found.stat().st_mtime_ns
            cached = self._configs.get(found)
            if cached is None or cached[0] != stamp:
                cached = (stamp, parse_project_config_lenient(found.read_text(encoding="utf-8"), found))
                self._configs[found] = cached
            return cached[1]
        except (OSError, UnicodeDecodeError):
            return None

    def project_id(self, uri: str, config: ProjectConfig | None = None) -> str | None:
        """The settings' project, else the document's ``.infisical.json`` (pass ``config`` if already read)."""
        if self.settings.project_id:
            return self.settings.project_id
        config = config if config is not None else self.project_config(uri)
        return config.workspace_id.strip() or None if config else None

    def snapshot(self, uri: str, text: str = "", kind: Kind | None = None) -> Snapshot:
        config = self.project_config(uri)

        def workspace_slugs() -> Iterator[str]:
            """Only computed when there is no cached catalog to answer from (the offline fallback)."""
            if config is not None:
                yield config.default_environment
                yield from config.branch_mapping.values()
            if text and kind != "project-json":
                yield from analysis.workspace_slugs(text, kind)

        project_id = self.project_id(uri, config)
        if self.catalog is None:
            return offline_snapshot(project_id, workspace_slugs(), self.offline_reason)
        return self.catalog.snapshot(project_id, workspace_slugs())

    def context(self, uri: str) -> analysis.DocumentContext:
        return analysis.DocumentContext(self.project_id(uri), self.login_api_url)

    # ------------------------------------------------------------------ catalog
    def build_catalog(self) -> None:
        if self.catalog is not None:
            self.catalog.close()
        self.catalog = None
        if self.settings.offline:
            self.offline_reason = "offline mode is on"
            return
        ctx = operations.Context(dict(os.environ), Path.cwd(), Path.home())
        try:
            connection = operations.connect_to(self.settings.api_url, ctx, None)
        except InfisicalTokensError as err:
            self.offline_reason = str(err)
            return
        self.login_api_url = connection.credentials.login_api_url
        self.offline_reason = None
        self.catalog = operations.open_catalog(connection)
        self.catalog.on_update = self._catalog_updated

    def _catalog_updated(self, project_id: str) -> None:
        """Called from the catalog's worker thread: hop back onto the event loop."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._republish, project_id)

    def _republish(self, project_id: str) -> None:
        for uri in list(self.workspace.text_documents):
            if self.project_id(uri) == project_id:
                self.schedule(uri, delay=0)
        if self.catalog is not None:
            snap = self.catalog.snapshot(project_id)
            if not snap.online and snap.error and not self._said_offline:
                self.say_offline(snap.error)

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

    def findings(self, uri: str) -> list[analysis.Finding]:
        doc = self.document(uri)
        state = self.states.get(uri)
        if state is not None and state.version == doc.version and doc.version is not None:
            return state.findings
        kind = self.kind_of(doc)
        found = analysis.diagnose(doc.source, kind, self.snapshot(uri, doc.source, kind), self.context(uri))
        self.states[uri] = DocumentState(doc.version, found)
        return found

    def publish(self, uri: str) -> None:
        self._pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        doc = self.document(uri)
        self.states.pop(uri, None)
        found = self.findings(uri) if self.settings.diagnostics else []
        positions = convert.PositionMap(doc.source, self.position_encoding)
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
def on_change(
    ls: InfisicalLanguageServer,
    params: types.DidOpenTextDocumentParams | types.DidChangeTextDocumentParams | types.DidSaveTextDocumentParams,
) -> None:
    ls.schedule(
        params.text_document.uri, delay=0 if isinstance(params, types.DidOpenTextDocumentParams) else DEBOUNCE_SECONDS
    )


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def on_close(ls: InfisicalLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls._pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.states.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# ---------------------------------------------------------------------- completion, hover, actions


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))
def on_completion(ls: InfisicalLanguageServer, params: types.CompletionParams) -> types.CompletionList:
    doc = ls.document(params.text_document.uri)
    kind = ls.kind_of(doc)
    positions = convert.PositionMap(doc.source, ls.position_encoding)
    offset = positions.offset(params.position)
    result = analysis.complete(doc.source, kind, offset, ls.snapshot(doc.uri, doc.source, kind))
    items = [
        convert.completion_item(i, positions, snippets=ls.snippets, retrigger=ls.retrigger, markdown=ls.markdown)
        for i in result.items
    ]
    return types.CompletionList(is_incomplete=result.incomplete, items=items)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: InfisicalLanguageServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.document(params.text_document.uri)
    kind = ls.kind_of(doc)
    positions = convert.PositionMap(doc.source, ls.position_encoding)
    info = analysis.hover(doc.source, kind, positions.offset(params.position), ls.snapshot(doc.uri, doc.source, kind))
    return convert.hover(info, positions, ls.markdown) if info is not None else None


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor]),
)
def on_code_action(ls: InfisicalLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    doc = ls.document(uri)
    kind = ls.kind_of(doc)
    positions = convert.PositionMap(doc.source, ls.position_encoding)
    start, end = positions.offset(params.range.start), positions.offset(params.range.end)
    found = ls.findings(uri)
    result = []
    for action in analysis.actions(doc.source, kind, start, end, ls.snapshot(uri, doc.source, kind), found):
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
                        title=action.title, command=CREATE, arguments=[{"uri": uri, "argv": list(action.create.argv)}]
                    ),
                )
            )
    return result


# ---------------------------------------------------------------------- commands


def _argv_from(request: dict[str, Any]) -> list[str]:
    """A create request from the extension's palette flow, as a command line."""
    argv = [command.GROUP, "create"]
    for scope_text in request.get("scopes") or []:
        argv.append(f"--scope={scope_text}")
    for level in request.get("accessLevels") or []:
        argv.append(f"--access-level={level}")
    if request.get("name") is not None:
        argv.append(f"--name={request['name']}")
    if request.get("expirySeconds") is not None:
        argv.append(f"--expiry-seconds={request['expirySeconds']}")
    if request.get("projectId"):
        argv.append(f"--projectId={request['projectId']}")
    return argv


def _masked(token: str) -> str:
    return token[:7] + "…" + token[-4:] if len(token) > 16 else "…"


def _write_token(path: Path, token: str) -> None:
    """Put ``INFISICAL_TOKEN=...`` into a (gitignored) dotenv file, replacing an earlier one."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    lines = [line for line in lines if not line.startswith("INFISICAL_TOKEN=")]
    lines.append(f"INFISICAL_TOKEN={token}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


@server.command(CREATE)
async def create_service_token(ls: InfisicalLanguageServer, request: dict[str, Any]) -> dict[str, Any]:
    """Create a token from a document's command line ({uri, argv}) or explicit values (the palette)."""
    await ls.until_ready()
    uri = request.get("uri") or ""
    argv = list(request["argv"]) if request.get("argv") else _argv_from(request)
    parsed, problems = command.check(argv)
    errors = [p for p in problems if p.severity == "error"]
    if parsed.subcommand is not command.CREATE or errors:
        return {"ok": False, "message": errors[0].text() if errors else "Not a service-token create command."}
    options, _ = command.create_options(parsed)
    project_id = options.project_id or ls.project_id(uri)
    if not project_id:
        return {"ok": False, "message": "No project: add --projectId, set infisical.projectId, or run infisical init."}
    if ls.settings.offline:
        return {"ok": False, "message": "Offline mode is on (infisical.offline); nothing was created."}

    target_file: Path | None = None
    if not ls.settings.client_handles_tokens:
        target_file = _token_target(ls, uri)
        if target_file is None:
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message="Not created: this editor cannot receive a token safely, and "
                    f"'{ls.settings.token_file}' is not covered by .gitignore. Add it to .gitignore "
                    "(or set infisical.tokenFile), or run `infisical-tokens service-token create --token-only`"
                    " in a terminal.",
                )
            )
            return {"ok": False, "message": f"{ls.settings.token_file} is not gitignored"}
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=f"Create service token '{options.name}' and write it to {target_file.name} (gitignored)?",
                actions=[types.MessageActionItem(title="Create"), types.MessageActionItem(title="Cancel")],
            )
        )
        if choice is None or choice.title != "Create":
            return {"ok": False, "message": "Cancelled."}

    ctx = operations.Context(dict(os.environ), Path.cwd(), Path.home())
    config = ls.project_config(uri)
    plan = operations.CreatePlan(options, project_id, config, [])
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(None, _send, plan, ctx, ls.settings)
    except InfisicalTokensError as err:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"Infisical: {err}"))
        return {"ok": False, "message": str(err)}
    answer: dict[str, Any] = {
        "ok": True,
        "id": result.info.id,
        "name": result.info.name,
        "projectId": project_id,
        "expiresAt": result.info.expires_at,
        "scopes": [s.text for s in result.info.scopes],
        "masked": _masked(result.token),
    }
    if ls.settings.client_handles_tokens:
        answer["token"] = result.token
        return answer
    assert target_file is not None
    _write_token(target_file, result.token)
    answer["writtenTo"] = str(target_file)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Info,
            message=f"Service token '{result.info.name}' ({_masked(result.token)}) written to {target_file} "
            "as INFISICAL_TOKEN.",
        )
    )
    return answer


def _token_target(ls: InfisicalLanguageServer, uri: str) -> Path | None:
    """The token file next to the project (or the document), only if .gitignore covers it."""
    path = ls.path_of(uri)
    config = ls.project_config(uri)
    base = config.path.parent if config is not None else (path.parent if path else None)
    if base is None:
        folders = list(ls.workspace.folders.values())
        base = ls.path_of(folders[0].uri) if folders else None
    if base is None:
        return None
    target = (base / ls.settings.token_file).resolve()
    return target if GitIgnore(find_root(base)).ignored(target, is_dir=False) else None


def _send(plan: operations.CreatePlan, ctx: operations.Context, settings: Settings) -> operations.CreateResult:
    connection = operations.connect_to(settings.api_url, ctx, plan.config)
    operations.require_user(connection.credentials, "create")
    with connection.client as client:
        operations.verify_environments(plan, client)
        return operations.send_create(plan, client)


def _snapshot_for(ls: InfisicalLanguageServer, request: dict[str, Any] | None) -> Snapshot:
    request = request or {}
    uri = request.get("uri") or ""
    if request.get("projectId") and ls.catalog is not None:
        return ls.catalog.snapshot(request["projectId"])
    return ls.snapshot(uri)


@server.command("infisical.server.listEnvironments")
async def list_environments(ls: InfisicalLanguageServer, request: dict[str, Any] | None = None) -> dict[str, Any]:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    return {"online": snap.online, "environments": [{"slug": e.slug, "name": e.name} for e in snap.environments]}


@server.command("infisical.server.listFolders")
async def list_folders(ls: InfisicalLanguageServer, request: dict[str, Any]) -> dict[str, Any]:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    return {"online": snap.online, "folders": list(snap.folders.get(request.get("environment", ""), ()))}


@server.command("infisical.server.listProjects")
async def list_projects(ls: InfisicalLanguageServer, request: dict[str, Any] | None = None) -> dict[str, Any]:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    projects = snap.projects or (ls.catalog.projects() if ls.catalog else ())
    return {"online": snap.online, "projects": [{"id": p.id, "name": p.name} for p in projects]}


@server.command("infisical.server.status")
async def status(ls: InfisicalLanguageServer, request: dict[str, Any] | None = None) -> dict[str, Any]:
    await ls.until_ready()
    request = request or {}
    uri = request.get("uri") or ""
    config = ls.project_config(uri)
    snap = ls.snapshot(uri)
    return {
        "projectId": ls.project_id(uri),
        "defaultEnvironment": config.default_environment if config else "",
        "branchMapping": config.branch_mapping if config else {},
        "online": snap.online,
        "reason": None if snap.online else (snap.error or ls.offline_reason),
    }


@server.command("infisical.server.refreshCatalog")
async def refresh_catalog(ls: InfisicalLanguageServer, request: dict[str, Any] | None = None) -> dict[str, Any]:
    await ls.until_ready()
    request = request or {}
    project_id = request.get("projectId") or ls.project_id(request.get("uri") or "")
    if ls.catalog is None or project_id is None:
        return {"online": False, "reason": ls.offline_reason or "no project"}
    token = f"infisical-refresh-{project_id}"
    if ls.supports_progress:
        await ls.work_done_progress.create_async(token)
        ls.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title="Infisical", message="Loading environments and folders")
        )
    try:
        await asyncio.wrap_future(ls.catalog.refresh(project_id))
        online, reason = True, None
    except Exception as err:
        online, reason = False, str(err)
    finally:
        if ls.supports_progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    return {"online": online, "reason": reason}


# ---------------------------------------------------------------------- entry point


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
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
    parser.add_argument("--log-level", default=os.environ.get("INFISICAL_LSP_LOG_LEVEL", "WARNING").upper())
    parser.add_argument("--version", action="version", version=f"infisical-lsp {__version__}")
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
