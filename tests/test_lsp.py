"""The language server end to end: the real server over stdio, as VS Code and as Neovim, online and offline."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types

from tests.conftest import TOKEN_RE, base_env
from tests.emulator import Emulator, seed
from tests.lsp_harness import Session, codes, cursor, link, logged_in, start, text_in

pytestmark = pytest.mark.asyncio(loop_scope="module")
EDITORS = ["visual-studio-code", "neovim"]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=EDITORS)
async def online(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Session]:
    """A server logged in (INFISICAL_TOKEN) to the emulator, its catalog loaded."""
    root = tmp_path_factory.mktemp("online")
    async with logged_in(root, request.param, {"clientHandlesTokens": True}) as session:
        yield session


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=EDITORS)
async def offline(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Session]:
    """No credentials at all: every syntax check must still work."""
    root = tmp_path_factory.mktemp("offline")
    link(root, "00000000-0000-0000-0000-000000000000", gitBranchToEnvironmentMapping={"main": "prod"})
    home = root / "home"
    home.mkdir()
    client = await start(request.param, root, base_env(home))
    yield Session(client, root, request.param)
    await client.shutdown_session()


# ---------------------------------------------------------------------- diagnostics

SYNTAX_CASES = [
    # (file name, language id, text, [(code, underlined text)])
    (
        "deploy.sh",
        "shellscript",
        "infisical service-token create --scope=dev:backend --access-level=read\n",
        [("scope-no-leading-slash", "backend")],
    ),
    ("deploy.sh", "shellscript", "infisical service-token create -s 'dev:' -a read\n", [("scope-empty-path", ":")]),
    (
        "deploy.sh",
        "shellscript",
        'TOKEN=$(infisical service-token create --scope "dev:/a[" -a Read --token-only)\n',
        [("scope-unbalanced", "["), ("bad-access-level", "Read")],
    ),
    (
        "deploy.sh",
        "shellscript",
        "infisical service-token create \\\n  --scope=dev:/a:b \\\n  -a read\n",
        [("scope-malformed", "dev:/a:b")],
    ),
    (
        "deploy.sh",
        "shellscript",
        "infisical service-token create --scope=dev:/backend/**\n",
        [("missing-access-level", "infisical service-token create")],
    ),
    (
        "deploy.sh",
        "shellscript",
        "infisical service-token create -s dev:/ -a read --nope -e soon\n",
        [("unknown-flag", "--nope"), ("bad-int", "soon")],
    ),
    (
        "deploy.sh",
        "shellscript",
        "infisical service-token create -s dev:/backend -a read\n",
        [("scope-exact-folder", "/backend")],
    ),
    ("deploy.sh", "shellscript", "echo infisical is great\ninfisical export --env=dev\n", []),
    (
        "README.md",
        "markdown",
        "Run `infisical service-token create -s dev: -a read`.\n\n```sh\ninfisical service-token create -s dev:x -a read\n```\n\n"
        "```python\ninfisical service-token create -s dev:x\n```\ninfisical service-token create prose is ignored\n",
        [("scope-empty-path", ":"), ("scope-no-leading-slash", "x")],
    ),
    (
        "Makefile",
        "makefile",
        "token:\n\t@infisical service-token create -s dev:/ \\\n\t  -a reed\n",
        [("bad-access-level", "reed")],
    ),
    (
        "ci.yml",
        "yaml",
        "steps:\n  - run: |\n      infisical service-token create --scope=dev:/a//b -a read\n"
        '  - run: "infisical service-token create -s prod: -a read"\n',
        [("scope-double-slash", "//"), ("scope-empty-path", ":")],
    ),
    (
        "Dockerfile",
        "dockerfile",
        "FROM alpine\nRUN infisical service-token create \\\n    -s dev:/ -a read,admin\n",
        [("bad-access-level", "admin")],
    ),
    (
        "notebook.py",
        "python",
        "x = 1\n%infisical service-token create -s dev:/ -a wrte\ninfisical = 2\n",
        [("bad-access-level", "wrte")],
    ),
    (".env", "dotenv", "# infisical service-token create -s dev:bad -a read\nFOO=1\n", []),
]


@pytest.mark.parametrize(("name", "language", "text", "expected"), SYNTAX_CASES)
async def test_syntax_diagnostics_offline(
    offline: Session, name: str, language: str, text: str, expected: list[tuple[str, str]]
) -> None:
    uri = await offline.open(name, language, text)
    assert codes(await offline.diagnostics(uri), text) == expected


@pytest.mark.parametrize(("name", "language", "text", "expected"), SYNTAX_CASES[:4])
async def test_same_syntax_diagnostics_online(
    online: Session, name: str, language: str, text: str, expected: list[tuple[str, str]]
) -> None:
    uri = await online.open(name, language, text)
    assert codes(await online.diagnostics(uri), text) == expected


ONLINE_CASES = [
    ("deploy.sh", "infisical service-token create --scope=dve:/backend/** -a read\n", [("scope-unknown-env", "dve")]),
    ("deploy.sh", "infisical service-token create --scope=DEV:/ -a read\n", [("scope-unknown-env", "DEV")]),
    ("deploy.sh", "infisical service-token create -s dev:/nothing/** -a read\n", [("scope-no-folder", "/nothing/**")]),
    ("deploy.sh", "infisical service-token create -s staging:/backend/** -s prod:/backend/api/** -a read\n", []),
    (
        "deploy.sh",
        "infisical service-token create -s qa:/ -a read --projectId other\n",
        [],
    ),  # another project: not checked
]


@pytest.mark.parametrize(("name", "text", "expected"), ONLINE_CASES)
async def test_catalog_diagnostics(online: Session, name: str, text: str, expected: list[tuple[str, str]]) -> None:
    uri = await online.open(name, "shellscript", text)
    assert codes(await online.diagnostics(uri), text) == expected


async def test_unknown_env_is_not_guessed_offline(offline: Session) -> None:
    text = "infisical service-token create --scope=dve:/backend/** -a read\n"
    uri = await offline.open("deploy.sh", "shellscript", text)
    assert codes(await offline.diagnostics(uri), text) == []
    said = [m.message for m in offline.client.log_messages if "offline" in m.message]
    assert len(said) == 1 and "Syntax checks still run" in said[0]


PROJECT_FILE_CASES = [
    (
        '{"workspaceId": "PROJECT", "defaultEnvironment": "prd", "gitBranchToEnvironmentMapping": {"main": "production"}}',
        [("json-unknown-env", '"prd"'), ("json-unknown-env", '"production"')],
    ),
    ('{"workspaceId": "PROJECT", "defaultEnviroment": "dev"}', [("json-unknown-key", '"defaultEnviroment"')]),
    (
        '{"workspaceId": "00000000-0000-0000-0000-000000000000"}',
        [("json-unknown-project", '"00000000-0000-0000-0000-000000000000"')],
    ),
    ('{"workspaceId": "PROJECT", "defaultSecretPath": "backend"}', [("json-path", '"backend"')]),
    ('{"workspaceId": "PROJECT", "domain": 3}', [("json-type", "3")]),
    ('{"workspaceId": "PROJECT", "defaultEnvironment": "dev",', [("json-invalid", "")]),
]


@pytest.mark.parametrize(("text", "expected"), PROJECT_FILE_CASES)
async def test_project_file_diagnostics(online: Session, text: str, expected: list[tuple[str, str]]) -> None:
    assert online.world is not None
    text = text.replace("PROJECT", online.world.project.id)
    uri = await online.open(".infisical.json", "json", text)
    diagnostics = await online.diagnostics(uri)
    assert codes(diagnostics, text) == expected
    for unknown in (d for d in diagnostics if d.code == "json-unknown-project"):
        assert "does not exist, or it is not yours" in unknown.message  # said plainly, with the hint to check it


async def test_repository_domain_trust_warning(tmp_path: Path) -> None:
    """Logged in with the CLI to one instance, a repository naming another gets a trust warning."""
    from tests.test_session import store_in_keyring, write_config

    with Emulator("new") as emulator:
        world = seed(emulator)
        home = tmp_path / "home"
        write_config(home, emulator.api_url)
        env = {**base_env(home), "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
        store_in_keyring(env, json.dumps({"JTWToken": emulator.state.issue_jwt(world.admin)}))
        link(tmp_path, world.project.id)
        client = await start("neovim", tmp_path, env)
        session = Session(client, tmp_path, "neovim", emulator, world)
        text = json.dumps({"workspaceId": world.project.id, "domain": "https://evil.example.com"})
        uri = await session.open(".infisical.json", "json", text)
        assert codes(await session.diagnostics(uri), text) == [("json-domain-trust", '"https://evil.example.com"')]
        await client.shutdown_session()


async def test_project_from_the_environment_when_no_file_names_one(tmp_path: Path) -> None:
    """The server resolves the project as every face does: setting, then INFISICAL_PROJECT_ID, then .infisical.json."""
    with Emulator("new") as emulator:
        world = seed(emulator)
        home = tmp_path / "home"
        home.mkdir()
        env = {
            **base_env(home),
            "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin),
            "INFISICAL_DOMAIN": emulator.url,
            "INFISICAL_PROJECT_ID": world.project.id,
        }
        client = await start("neovim", tmp_path, env)
        session = Session(client, tmp_path, "neovim", emulator, world)
        assert (await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id}))["online"]
        text = "infisical service-token create -s nope:/ -a read\n"
        uri = (tmp_path / "deploy.sh").as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "shellscript", 1, text))
        )
        assert codes(await session.diagnostics(uri), text) == [("scope-unknown-env", "nope")]
        status = await session.command("infisical.server.status", {"uri": uri})
        assert status["projectId"] == world.project.id and status["online"]
        await client.shutdown_session()


async def test_diagnostics_follow_edits(offline: Session) -> None:
    uri = await offline.open("deploy.sh", "shellscript", "infisical service-token create -s dev:x -a read\n")
    assert [d.code for d in await offline.diagnostics(uri)] == ["scope-no-leading-slash"]
    await offline.change(uri, "infisical service-token create -s dev:/x/** -a read\n")
    assert await offline.diagnostics(uri) == []


async def test_keystrokes_answer_as_the_same_text_opened_afresh(online: Session) -> None:
    """The server follows incremental edits line by line; after each one its diagnostics, and a hover after
    the edit, are those of a document opened with the same text (UTF-16 columns past an emoji included)."""
    text = "".join(
        f"infisical service-token create -s dev:/none{i} -a read  # 😀 {i}\n" if i % 3 == 0 else f"echo {i}\n"
        for i in range(30)
    )
    uri = await online.open("typed.sh", "shellscript", text)
    edits = [  # (offset in the current text, characters removed, text inserted): typing, deleting, pasting
        (text.index("/none12"), 0, "x"),
        (text.index("/none12") + 1, 1, ""),
        (text.index("echo 4"), 0, "infisical service-token create -s nope:/ -a read\n"),
        (text.index("/none3 ") + 6, 0, "/**"),
        (text.index("😀 21") + 2, 0, "é"),
        (0, text.index("echo 1"), ""),
        (10**9, 0, "\n\ninfisical service-token create -s dev:x -a read"),  # at the very end
    ]
    for version, (offset, removed, inserted) in enumerate(edits, start=2):
        offset = min(offset, len(text))
        removed = min(removed, len(text) - offset)
        before, gone = text[:offset], text[offset : offset + removed]
        start = types.Position(before.count("\n"), utf16(before[before.rfind("\n") + 1 :]))
        after = before + gone
        end = types.Position(after.count("\n"), utf16(after[after.rfind("\n") + 1 :]))
        text = before + inserted + text[offset + removed :]
        online.client.diagnostics.pop(uri, None)
        online.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangePartial(range=types.Range(start, end), text=inserted)],
            )
        )
        followed = await online.diagnostics(uri)
        fresh = await online.open("typed.sh", "shellscript", text)
        assert followed == await online.diagnostics(fresh)
        at = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(text.count("\n") - 1, 35))
        afresh = types.HoverParams(types.TextDocumentIdentifier(fresh), at.position)
        assert await online.client.text_document_hover_async(at) == await online.client.text_document_hover_async(
            afresh
        )


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---------------------------------------------------------------------- completion

COMPLETION_CASES = [
    # (language, text with |, labels that must be offered, labels that must not, the text the items replace)
    ("shellscript", "infisical service-token create --sc|", ["--scope=", "--access-level="], ["create"], "--sc"),
    ("shellscript", "infisical service-token |", ["create", "list", "view", "delete"], [], ""),
    ("shellscript", "infisical service-token create --scope=|", ["dev", "staging", "prod"], ["/"], ""),
    ("shellscript", "infisical service-token create --scope=de|", ["dev"], [], "de"),
    (
        "shellscript",
        "infisical service-token create --scope=dev:|",
        ["/", "/**", "/backend/", "/backend/**", "/frontend"],
        ["/backend/api/"],
        "",
    ),
    (
        "shellscript",
        "infisical service-token create --scope=dev:/backend/|",
        ["/backend/api/", "/backend/**", "/backend/worker/**"],
        ["/frontend"],
        "/backend/",
    ),
    ("shellscript", 'infisical service-token create --scope "dev:/back|', ["/backend/"], [], "/back"),
    ("shellscript", "infisical service-token create -s prod:/,staging:/|", ["/backend/"], ["/frontend/"], "/"),
    ("shellscript", "infisical service-token create -sdev:/f|", ["/frontend/"], [], "/f"),
    ("shellscript", "infisical service-token create \\\n  --access-level=read,w|", ["write"], [], "w"),
    ("shellscript", "infisical service-token create -a |", ["read", "write"], [], ""),
    ("shellscript", "infisical service-token create -e |", ["3600", "0", "86400"], [], ""),
    ("shellscript", "infisical service-token create --projectId=|", ["Demo Project", "Other Project"], [], ""),
    (
        "shellscript",
        "infisical service-token create --scope=dev:/ --token-only |",
        ["--name=", "--scope="],
        ["--token-only"],
        "",
    ),
    ("markdown", "```bash\ninfisical service-token create --scope=st|\n```\n", ["staging"], [], "st"),
    (
        "yaml",
        "jobs:\n  a:\n    steps:\n      - run: infisical service-token create -s dev:/backend/a|\n",
        ["/backend/api/"],
        [],
        "/backend/a",
    ),
    ("python", "%infisical service-token create -s prod:|", ["/backend/"], [], ""),
    ("json", '{"workspaceId": "PROJECT", "defaultEnvironment": "de|"}', ["dev", "staging", "prod"], [], '"de"'),
    ("json", '{"workspaceId": "PROJECT", "gitBranchToEnvironmentMapping": {"main": |', ["prod"], [], ""),
    ("json", '{"workspaceId": "|"}', ["Demo Project"], [], '""'),
    ("json", '{"workspaceId": "PROJECT", "defaultSecretPath": "/b|"}', ["/backend/api"], [], '"/b"'),
    ("json", '{"workspaceId": "x", |', ["defaultEnvironment", "domain"], ["workspaceId"], ""),
]


def _document_name(language: str) -> str:
    return {"json": ".infisical.json", "markdown": "README.md", "yaml": "ci.yml", "python": "cell.py"}.get(
        language, "deploy.sh"
    )


@pytest.mark.parametrize(("language", "marked", "wanted", "unwanted", "replaced"), COMPLETION_CASES)
async def test_completion(
    online: Session, language: str, marked: str, wanted: list[str], unwanted: list[str], replaced: str
) -> None:
    assert online.world is not None
    text, position = cursor(marked.replace("PROJECT", online.world.project.id))
    uri = await online.open(_document_name(language), language, text)
    result = await online.client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert isinstance(result, types.CompletionList)
    labels = [item.label for item in result.items]
    for label in wanted:
        assert label in labels, (label, labels)
    for label in unwanted:
        assert label not in labels
    for item in result.items:
        assert isinstance(item.text_edit, types.TextEdit)
        assert text_in(text, item.text_edit.range) == replaced
        assert item.text_edit.range.start.line == item.text_edit.range.end.line == position.line
        assert item.filter_text and item.text_edit.new_text.startswith(item.filter_text)  # filters on what it inserts


async def test_completion_retriggers_only_where_the_client_has_the_command(online: Session) -> None:
    text, position = cursor("infisical service-token create --scope=|")
    uri = await online.open("deploy.sh", "shellscript", text)
    result = await online.client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert isinstance(result, types.CompletionList)
    dev = next(i for i in result.items if i.label == "dev")
    assert dev.text_edit is not None and dev.text_edit.new_text == "dev:"
    if online.editor == "visual-studio-code":
        assert dev.command is not None and dev.command.command == "editor.action.triggerSuggest"
    else:
        assert dev.command is None


async def test_the_same_folder_list_asked_again_elsewhere_replaces_what_is_there(online: Session) -> None:
    """The server gives its last completion answer again only for the same items at the same place: the same list,
    its span at the same offsets but on the next line (a blank moved to a newline), must replace text there."""
    text, position = cursor("  infisical service-token create --scope=dev:/|\n")
    uri = await online.open("deploy.sh", "shellscript", text)

    async def folders(at: types.Position) -> Sequence[types.CompletionItem]:
        result = await online.client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at)
        )
        assert isinstance(result, types.CompletionList) and result.items
        return result.items

    first, again = await folders(position), await folders(position)
    assert first == again and all(isinstance(i.text_edit, types.TextEdit) for i in first)
    await online.change(uri, "\n" + text[1:])
    moved = await folders(types.Position(1, position.character - 1))
    assert [i.label for i in moved] == [i.label for i in first]
    for before, after in zip(first, moved, strict=True):
        assert isinstance(before.text_edit, types.TextEdit) and isinstance(after.text_edit, types.TextEdit)
        assert (before.text_edit.range.start.line, after.text_edit.range.start.line) == (0, 1)
        assert after.text_edit.range.start.character == before.text_edit.range.start.character - 1


async def test_offline_completion_uses_the_workspace_and_says_it_is_incomplete(offline: Session) -> None:
    text, position = cursor("infisical service-token create -s qa:/ -a read\ninfisical service-token create -s |")
    uri = await offline.open("deploy.sh", "shellscript", text)
    result = await offline.client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert isinstance(result, types.CompletionList) and result.is_incomplete
    assert {i.label for i in result.items} == {"dev", "prod", "qa"}  # .infisical.json + this document


# ---------------------------------------------------------------------- hover

HOVER_CASES = [
    ("shellscript", "infisical service-token create --scope=d|ev:/backend/** -a read", ["*Development*"], "dev"),
    (
        "shellscript",
        "infisical service-token create --scope=dev:/back|end/** -a read",
        ["`/backend`", "`/backend/api`", "3 folder(s)"],
        "/backend/**",
    ),
    ("shellscript", "infisical service-token create --scope=dev:/x|yz -a read", ["covers no existing folder"], "/xyz"),
    (
        "shellscript",
        "infisical service-token create --scope=dev:back|end -a read",
        ["does not start with '/'", "2026 server", "pinned: every read gets the secrets of /backend in 'dev'"],
        "backend",
    ),
    (
        "shellscript",
        "infisical service-token create --scope=dev:/back|end -a read",
        ["`/backend`", "pinned: every read gets the secrets of /backend in 'dev'"],
        "/backend",
    ),
    ("shellscript", "infisical service-token create --scope=dev:/ -e|=60 -a read", ["expiration time", "86400"], "-e"),
    # help text set into Markdown: <env-slug> would be an HTML tag that VS Code drops ("Example format: :")
    (
        "shellscript",
        "infisical service-token create --sc|ope=dev:/ -a read",
        ["Example format: \\<env-slug\\>:\\<folder-path\\>"],
        "--scope",
    ),
    ("json", '{"workspaceId": "x", "defaultEnvironment": "pr|od"}', ["*Production*"], '"prod"'),
    ("json", '{"workspace|Id": "x"}', ["project ID"], '"workspaceId"'),
]


@pytest.mark.parametrize(("language", "marked", "fragments", "underlined"), HOVER_CASES)
async def test_hover(online: Session, language: str, marked: str, fragments: list[str], underlined: str) -> None:
    assert online.world is not None
    text, position = cursor(marked.replace('"x"', f'"{online.world.project.id}"'))
    uri = await online.open(_document_name(language), language, text)
    result = await online.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    for fragment in fragments:
        assert fragment in result.contents.value
    assert result.range is not None and text_in(text, result.range) == underlined


# ---------------------------------------------------------------------- code actions

FIX_CASES = [
    (
        "infisical service-token create --scope=dev:backend -a read",
        "Add the leading /",
        "infisical service-token create --scope=dev:/backend -a read",
    ),
    (
        "infisical service-token create --scope=dev:/backend -a read",
        "Use /backend/**",
        "infisical service-token create --scope=dev:/backend/** -a read",
    ),
    (
        "infisical service-token create --scope=dve:/ -a read",
        "Use 'dev'",
        "infisical service-token create --scope=dev:/ -a read",
    ),
    (
        "infisical service-token create --scope=dev:/ -a Read",
        "Use 'read'",
        "infisical service-token create --scope=dev:/ -a read",
    ),
    (
        "infisical service-token create --scope=dev:/",
        "Add --access-level=read",
        "infisical service-token create --scope=dev:/ --access-level=read",
    ),
    (
        'infisical service-token create --scope " dev:/ab/**" -a read',
        "Remove the whitespace",
        'infisical service-token create --scope "dev:/ab/**" -a read',
    ),
]


def _apply(text: str, edit: types.TextEdit) -> str:
    lines = text.split("\n")
    start = sum(len(x) + 1 for x in lines[: edit.range.start.line]) + edit.range.start.character
    end = sum(len(x) + 1 for x in lines[: edit.range.end.line]) + edit.range.end.character
    return text[:start] + edit.new_text + text[end:]


@pytest.mark.parametrize(("text", "title", "fixed"), FIX_CASES)
async def test_quick_fixes(online: Session, text: str, title: str, fixed: str) -> None:
    uri = await online.open("deploy.sh", "shellscript", text + "\n")
    diagnostics = await online.diagnostics(uri)
    actions = await online.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, len(text))),
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert actions is not None
    action = next(a for a in actions if isinstance(a, types.CodeAction) and a.title == title)
    assert action.kind == types.CodeActionKind.QuickFix and action.edit is not None and action.edit.changes
    [edit] = action.edit.changes[uri]
    assert _apply(text + "\n", edit) == fixed + "\n"


async def test_create_action_returns_the_token_to_the_client_only(
    online: Session, capfd: pytest.CaptureFixture[str]
) -> None:
    text = "infisical service-token create --scope=dev:/backend/** -a read --name from-editor\n"
    uri = await online.open("deploy.sh", "shellscript", text)
    actions = await online.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 5), types.Position(0, 5)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is not None
    create = next(a for a in actions if isinstance(a, types.CodeAction) and a.title == "Create service token")
    assert create.command is not None and create.edit is None
    result = await online.command(create.command.command, *(create.command.arguments or []))
    assert result["ok"] is True, result
    token = result["token"]
    assert TOKEN_RE.fullmatch(token)
    assert online.emulator is not None and token.split(".")[1] in online.emulator.state.tokens
    assert result["name"] == "from-editor" and result["scopes"] == ["dev:/backend/**"]
    assert token not in str(result["masked"])

    hover = await online.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 45))
    )
    leaked = [m.message for m in online.client.log_messages + online.client.messages]
    leaked += [d.message for ds in online.client.diagnostics.values() for d in ds]
    leaked += [hover.contents.value if hover and isinstance(hover.contents, types.MarkupContent) else ""]
    captured = capfd.readouterr()
    for place in (
        *leaked,
        captured.out,
        captured.err,
        Path(uri.removeprefix("file://")).parent.joinpath(".env").as_posix(),
    ):
        assert token not in place
        assert token.split(".")[2] not in place
    assert not any(p.name == ".env" for p in online.root.rglob(".env"))


async def test_palette_create_with_explicit_values(online: Session) -> None:
    assert online.world is not None
    envs = await online.command("infisical.server.listEnvironments", {"projectId": online.world.project.id})
    assert [e["slug"] for e in envs["environments"]] == ["dev", "staging", "prod"]
    folders = await online.command(
        "infisical.server.listFolders", {"projectId": online.world.project.id, "environment": "dev"}
    )
    assert "/backend/api" in folders["folders"]
    projects = await online.command("infisical.server.listProjects", {"projectId": online.world.project.id})
    assert {p["name"] for p in projects["projects"]} == {"Demo Project", "Other Project"}
    result = await online.command(
        "infisical.server.createServiceToken",
        {
            "projectId": online.world.project.id,
            "scopes": ["prod:/backend/**"],
            "accessLevels": ["read"],
            "name": "palette",
            "expirySeconds": 3600,
        },
    )
    assert result["ok"] and TOKEN_RE.fullmatch(result["token"])
    bad = await online.command(
        "infisical.server.createServiceToken",
        {"projectId": online.world.project.id, "scopes": ["nope:/"], "accessLevels": ["read"]},
    )
    assert bad["ok"] is False and "Environment 'nope' does not exist" in bad["message"]
    invalid = await online.command(
        "infisical.server.createServiceToken", {"scopes": ["dev:"], "accessLevels": ["read"]}
    )
    assert invalid["ok"] is False and "empty path" in invalid["message"]


async def test_status_command(online: Session, offline: Session) -> None:
    status = await online.command("infisical.server.status", {"uri": (online.root / "x.sh").as_uri()})
    assert status["online"] is True and status["defaultEnvironment"] == "dev"
    status = await offline.command("infisical.server.status", {"uri": (offline.root / "x.sh").as_uri()})
    assert status["online"] is False and "logged in" in status["reason"] and status["branchMapping"] == {"main": "prod"}


# ---------------------------------------------------------------------- editors without our extension


@pytest.mark.parametrize("ignored", [True, False])
async def test_create_for_other_editors_writes_only_a_gitignored_file(tmp_path: Path, ignored: bool) -> None:
    with Emulator("new") as emulator:
        world = seed(emulator)
        link(tmp_path, world.project.id)
        (tmp_path / ".git").mkdir()
        if ignored:
            (tmp_path / ".gitignore").write_text(".env\n")
        home = tmp_path / "home"
        home.mkdir()
        env = {
            **base_env(home),
            "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin),
            "INFISICAL_DOMAIN": emulator.url,
        }
        client = await start("neovim", tmp_path, env)
        asked: list[str] = []

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)  # type: ignore[untyped-decorator]
        def answer(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
            asked.append(params.message)
            return types.MessageActionItem(title="Create")

        session = Session(client, tmp_path, "neovim", emulator, world)
        result = await session.command(
            "infisical.server.createServiceToken",
            {
                "uri": (tmp_path / "deploy.sh").as_uri(),
                "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"],
            },
        )
        await client.shutdown_session()
    dotenv = tmp_path / ".env"
    if ignored:
        assert result["ok"] and "token" not in result and asked
        token = dotenv.read_text().strip().removeprefix("INFISICAL_TOKEN=")
        assert TOKEN_RE.fullmatch(token)
        assert oct(os.stat(dotenv).st_mode & 0o777) == "0o600"
        assert all(token not in m.message for m in client.messages + client.log_messages)
    else:
        assert not result["ok"] and not dotenv.exists() and not asked
        assert "not covered by .gitignore" in client.messages[-1].message
        assert not emulator.state.tokens


# ---------------------------------------------------------------------- settings


async def test_settings_turn_diagnostics_off_and_offline_on(tmp_path: Path) -> None:
    link(tmp_path, "p")
    home = tmp_path / "home"
    home.mkdir()
    client = await start(
        "visual-studio-code", tmp_path, base_env(home), configuration={"diagnostics": False, "offline": True}
    )
    session = Session(client, tmp_path, "visual-studio-code")
    uri = await session.open("deploy.sh", "shellscript", "infisical service-token create -s dev: -a read\n")
    assert await session.diagnostics(uri) == []
    status = await session.command("infisical.server.status", {"uri": uri})
    assert status["online"] is False and status["reason"] == "offline mode is on"
    await client.shutdown_session()
