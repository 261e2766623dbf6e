"""Drive the real ``infisical-lsp`` over stdio with pytest-lsp's client, as VS Code or Neovim would."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from tests.conftest import base_env
from tests.emulator import Emulator, Seeded, seed

SERVER = [sys.executable, "-m", "infisical_tokens.lsp"]
CLIENTS = {
    "visual-studio-code": ("Visual Studio Code", "visual-studio-code"),
    "neovim": ("Neovim", "neovim@v0.10.0"),
}
_names = itertools.count()


@dataclass
class Session:
    client: LanguageClient
    root: Path
    editor: str
    emulator: Emulator | None = None
    world: Seeded | None = None
    opened: dict[str, int] = field(default_factory=dict)

    async def open(self, name: str, language: str, text: str) -> str:
        """Open ``text`` as ``caseN/name`` beside a copy of the project's .infisical.json; wait for diagnostics."""
        folder = self.root / f"case{next(_names)}"
        folder.mkdir()
        if name != ".infisical.json":
            (folder / ".infisical.json").write_text((self.root / ".infisical.json").read_text())
        uri = (folder / name).as_uri()
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri, language, 1, text))
        )
        self.opened[uri] = 1
        await self.diagnostics(uri)
        return uri

    async def change(self, uri: str, text: str) -> None:
        self.opened[uri] += 1
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.opened[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        await self.diagnostics(uri)

    async def diagnostics(self, uri: str, timeout: float = 10.0) -> list[types.Diagnostic]:
        deadline = asyncio.get_running_loop().time() + timeout
        while uri not in self.client.diagnostics:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no diagnostics published for {uri}")
            await asyncio.sleep(0.02)
        return list(self.client.diagnostics[uri])

    async def command(self, name: str, *arguments: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        )


def cursor(text: str) -> tuple[str, types.Position]:
    """Remove the ``|`` marker and return the text and the marker's position."""
    index = text.index("|")
    before = text[:index]
    line = before.count("\n")
    character = len(before) - (before.rfind("\n") + 1)
    return text[:index] + text[index + 1 :], types.Position(line, character)


def text_in(text: str, rng: types.Range) -> str:
    lines = text.split("\n")
    if rng.start.line == rng.end.line:
        return lines[rng.start.line][rng.start.character : rng.end.character]
    return "\n".join(
        [
            lines[rng.start.line][rng.start.character :],
            *lines[rng.start.line + 1 : rng.end.line],
            lines[rng.end.line][: rng.end.character],
        ]
    )


async def start(
    editor: str,
    root: Path,
    env: dict[str, str],
    init_options: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    notifications: dict[str, list[Any]] | None = None,
    server: Sequence[str] = SERVER,
) -> LanguageClient:
    """A client that has initialized a session with the real server; each ``notifications`` list collects the
    params of the server's notifications of that name (registered before the server can send any)."""
    client = make_test_lsp_client()
    for method, received in (notifications or {}).items():

        def collect(params: Any, received: list[Any] = received) -> None:
            received.append(params)

        client.feature(method)(collect)
    # lsprotocol turns a CodeAction that carries a command into a Command on the client side; undo that.
    converter = client.protocol._converter
    from typing import Union

    converter.register_structure_hook(
        Union[types.Command, types.CodeAction],  # noqa: UP007 - the exact union lsprotocol registers
        lambda obj, _: converter.structure(
            obj, types.Command if isinstance(obj.get("command"), str) else types.CodeAction
        ),
    )
    if configuration is not None:
        client.set_configuration(configuration, section="infisical")
    await client.start_io(*server, env=env)
    name, spec = CLIENTS[editor]
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(spec),
            client_info=types.ClientInfo(name=name),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")],
            root_uri=root.as_uri(),
            initialization_options=init_options,
        )
    )
    return client


def link(root: Path, project_id: str, **extra: Any) -> None:
    data = {"workspaceId": project_id, "defaultEnvironment": "dev", "gitBranchToEnvironmentMapping": None, **extra}
    (root / ".infisical.json").write_text(json.dumps(data, indent=4))


def codes(diagnostics: Sequence[types.Diagnostic], text: str) -> list[tuple[str, str]]:
    """(code, the exact text the diagnostic underlines), sorted by position."""
    ordered = sorted(diagnostics, key=lambda d: (d.range.start.line, d.range.start.character))
    return [(str(d.code), text_in(text, d.range)) for d in ordered]


@contextlib.asynccontextmanager
async def logged_in(root: Path, editor: str, options: dict[str, Any] | None = None) -> AsyncIterator[Session]:
    """A server in ``root`` (linked to the project), logged in (INFISICAL_TOKEN) to an emulator of its own, its
    catalog loaded."""
    emulator = Emulator("new").start()
    try:
        world = seed(emulator)
        link(root, world.project.id)
        home = root / "home"
        home.mkdir()
        env = {
            **base_env(home),
            "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin),
            "INFISICAL_DOMAIN": emulator.url,
        }
        client = await start(editor, root, env, options)
        session = Session(client, root, editor, emulator, world)
        assert (await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id}))["online"]
        yield session
        await client.shutdown_session()
    finally:
        emulator.stop()
