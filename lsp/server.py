"""The language server: the one :data:`server` (its documents, its catalog and a client's session), how handlers
are registered on it (``guarded``, ``server_command``), and the session's lifecycle (initialize, settings, exit).

The handlers live by job, each module registering its own on :data:`server`: :mod:`.document_handlers` (documents,
completion, hover, actions), :mod:`.status_commands` (the catalog and status), :mod:`.token_commands` (create, the
token file, rotate, and the commands that run a workflow as the command line does) and :mod:`.migrate_command`;
:mod:`.serve` imports them all and starts the server. A created token travels only in the response to the command
that asked for it.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types
from pygls.exceptions import FeatureRequestError

from infisical_tokens.core import __version__
from infisical_tokens.core.context import Context
from infisical_tokens.core.redact import redact

from .settings import Settings
from .shield import InfisicalProtocol, Shield
from .status import CatalogServer

if TYPE_CHECKING:  # only ``--tcp`` imports it (``hmac``, ``secrets``, ``random``: 3 ms of every start)
    from .tcp_auth import TcpGate

log = logging.getLogger("infisical_tokens.lsp")


class InfisicalLanguageServer(CatalogServer):
    """The one server: its documents (:mod:`.documents`), its catalog (:mod:`.status`) and a client's session."""

    def __init__(self) -> None:
        super().__init__(
            "infisical-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=InfisicalProtocol,
        )
        self.shields: dict[Any, Shield] = {}  # request id -> the create it guards
        self.snippets = False
        self.markdown = False
        self.retrigger = False
        self.supports_progress = False
        self.configuration = False
        self.exited = False  # the client asked the process to exit (not merely disconnected)
        self.tcp_gate: TcpGate | None = None  # set on TCP: a client must present its secret

    def reset_session(self) -> None:
        """Forget one client's session (its event loop, documents and timers) before serving the next."""
        if isinstance(self.protocol, InfisicalProtocol):
            self.protocol.initialized = False  # the next client must initialize too
        for pending in self._pending.values():
            pending.cancel()
        self.loop, self._ready = None, None
        self.states, self._pending, self._waiting = {}, {}, set()
        self.completions.forget()
        self._said_offline = False
        self._online = {}
        if self.catalog is not None:  # built for the last client: the next one must not read through it
            self.catalog.close()
        self.catalog, self.settings, self.offline_reason, self.login_api_url = None, Settings(), None, None
        self.credentials_refused = self.tcp_gate.refusal if self.tcp_gate is not None else None

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Never show a person Python's words: a body that is not JSON is answered with Parse error, anything
        else the reader loop met is logged (in one line, see :class:`.serve.RedactSecrets`) and not shown."""
        if isinstance(error, json.JSONDecodeError) and isinstance(self.protocol, InfisicalProtocol):
            self.protocol.refuse_unparsable(error)
        elif source is not FeatureRequestError:
            log.warning("a message could not be handled: %s", redact(f"{type(error).__name__}: {error}"))


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


def token_failure(reason: str) -> dict[str, Any]:
    """A token command's refusal or failure, in words a person reads (never a token: redacted)."""
    return {"ok": False, "message": redact(reason)}


def project_of(ls: InfisicalLanguageServer, request: dict[str, Any]) -> tuple[Context, str | None]:
    """The workflow's context for the request's document, and the project it names (else the document's)."""
    ctx = ls.workflow_context(str(request.get("uri") or ""))
    project_id = request.get("projectId") if isinstance(request.get("projectId"), str) else None
    return ctx, project_id


async def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A workflow waits on the network: never on the event loop, which keeps answering the editor."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


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
    # the editor engine, imported once initialize is answered (not to start) and before what start-up built is frozen
    importlib.import_module("infisical_tokens.core.editor")
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


@server.feature(types.EXIT)
def on_exit(ls: InfisicalLanguageServer, params: Any = None) -> None:
    ls.exited = True
