"""Round one's hostile items (issue 9), through the faces its own tests missed (issue 17, "Done when").

Round one proved most items through the face where they were seen; items 2, 4, 5, 6, 8, 10, 12, 13, 17 and 20 each
concern more faces than that. Each test here names its round-one item and drives the missing faces through their
real interfaces: the installed CLI (and ``check``) as a subprocess, the magic in an IPython shell (or a real kernel,
where an interrupt must be real), and the language server over stdio. The faces already proved elsewhere:

| item | command line | language server | magic | check |
|---|---|---|---|---|
| 2 `.env` unusable for the server's create | (writes no file) | a folder: test_hostile; not UTF-8, a link out: here | (writes no file) | |
| 4 garbage metadata beside a token | test_hostile | here | here | |
| 5 an interrupt during create | test_hostile (SIGINT) | (no interrupt; cancel is issue 17 item 6) | in-process: test_hostile; a real kernel: here | |
| 6 `view` and the repository's domain | test_hostile | (no view) | here | |
| 8 credentials in the URL, `~/.netrc` | test_hostile | here | here | |
| 10 CR/LF in `INFISICAL_TOKEN` | test_hostile; `view` of a held token: here | here | here (`view` too) | |
| 12 pathological `.gitignore` lines | | here (the token file's check) | | test_hostile (walk); here (git) |
| 13 a trickling server, an endless body | test_hostile | here | here | here (`--online`) |
| 17 the language server's own input | | here (lowercase level, malformed requests; untyped ones too: issue 17 item 11) | | |
| 20 files `check` cannot read, project files the CLI refuses | | here | | test_hostile; here (formats) |
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import TOKEN_RE, Runner, base_env, link_project, magic_shell, needs_fifo
from tests.emulator import Emulator, Seeded, seed
from tests.lsp_harness import Session, link, start
from tests.test_hostile import FAKE_TOKEN, GARBAGE_METADATA, garbage_create

BUG = "This is a bug"


@pytest.fixture
def world(new_emulator: Emulator) -> Seeded:
    return seed(new_emulator)


@pytest.fixture
def login(new_emulator: Emulator, world: Seeded) -> dict[str, str]:
    return {"INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": new_emulator.url}


@pytest.fixture
def ip(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    yield from magic_shell(new_emulator, world, tmp_path, monkeypatch)


def _clean(text: str, *secrets: str) -> None:
    assert BUG not in text and "Traceback" not in text, text
    for secret in secrets:
        assert secret not in text, "a credential reached the output"


def _magic(shell: InteractiveShell, line: str) -> tuple[bool, str, Any]:
    """(succeeded, everything shown, the value) for one ``%infisical`` line."""
    try:
        with capture_output() as shown:
            value = shell.run_line_magic("infisical", line)
    except UsageError as err:
        return False, str(err), None
    return True, shown.stdout + shown.stderr, value


@asynccontextmanager
async def _server(
    root: Path,
    env: dict[str, str],
    *,
    editor: str = "visual-studio-code",
    handles_tokens: bool = True,
    options: dict[str, Any] | None = None,
) -> AsyncIterator[tuple[LanguageClient, Session]]:
    home = root / "home"
    home.mkdir(exist_ok=True)
    client = await start(
        editor, root, {**base_env(home), **env}, {"clientHandlesTokens": handles_tokens, **(options or {})}
    )

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)  # type: ignore[untyped-decorator]
    def confirm(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
        return types.MessageActionItem(title="Create")  # the person agrees to write the token file

    try:
        yield client, Session(client, root, editor)
    finally:
        await client.shutdown_session()


def _logs(client: LanguageClient) -> str:
    return "\n".join(m.message for m in client.log_messages) + "\n".join(m.message for m in client.messages)


# --- round one item 2: the server's create for other editors, with a token file it cannot use


@pytest.mark.parametrize(
    ("damage", "said"),
    [("not UTF-8", "cannot be read as text"), ("a link out of the project", "is not covered by .gitignore")],
)
async def test_item2_a_token_file_that_cannot_take_the_token_is_refused_before_creating(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path, damage: str, said: str
) -> None:
    link(tmp_path, world.project.id)
    (tmp_path / ".gitignore").write_text(".env\n")
    env_file = tmp_path / ".env"
    if damage == "not UTF-8":
        env_file.write_bytes(b"OLD=caf\xe9\n")
    else:
        env_file.symlink_to("/proc/version")  # the name is ignored, the file it reaches is not the project's
    async with _server(tmp_path, login, editor="neovim", handles_tokens=False) as (client, session):
        answer = await session.command(
            "infisical.server.createServiceToken",
            {"uri": (tmp_path / "a.sh").as_uri(), "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"]},
        )
        logs = _logs(client)
    _clean(json.dumps(answer) + logs)
    assert answer["ok"] is False and said in answer["message"], answer
    assert new_emulator.requests_to("POST", "/api/v2/service-token") == []  # checked before anything was created
    if damage == "not UTF-8":
        assert env_file.read_bytes() == b"OLD=caf\xe9\n"  # what was there is kept


# --- round one item 4: a token beside garbage metadata is handed over in every face


def test_item4_the_magic_hands_over_a_token_whose_metadata_is_garbage(
    ip: InteractiveShell, new_emulator: Emulator
) -> None:
    for metadata in GARBAGE_METADATA:
        garbage_create(new_emulator, metadata)
        ok, shown, token = _magic(ip, "service-token create -s dev:/ -a read")
        assert ok, (metadata, shown)
        _clean(shown, FAKE_TOKEN)
        assert token.reveal().startswith(FAKE_TOKEN), metadata


async def test_item4_the_server_hands_over_a_token_whose_metadata_is_garbage(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    link(tmp_path, world.project.id)
    async with _server(tmp_path, login) as (client, session):
        for metadata in GARBAGE_METADATA:
            garbage_create(new_emulator, metadata)
            answer = await session.command(
                "infisical.server.createServiceToken",
                {"uri": (tmp_path / "a.sh").as_uri(), "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"]},
            )
            assert answer["ok"] is True and answer["token"].startswith(FAKE_TOKEN), (metadata, answer)
        assert FAKE_TOKEN not in _logs(client)


# --- round one item 5: a real kernel interrupt during create


def test_item5_a_kernel_interrupt_during_create_says_the_token_may_exist(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    from jupyter_client.manager import start_new_kernel

    new_emulator.add_fault("latency", method="POST", delay=4)
    env = {
        **os.environ,
        **base_env(tmp_path),
        **login,
        "INFISICAL_PROJECT_ID": world.project.id,
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        kc.execute_interactive("%load_ext infisical_tokens.magics", timeout=60)
        kc.execute("%infisical service-token create -s dev:/ -a read")
        for _ in range(200):
            if new_emulator.requests_to("POST", "/api/v2/service-token"):
                break
            time.sleep(0.05)
        km.interrupt_kernel()
        shown = []
        while True:
            message = kc.get_iopub_msg(timeout=30)
            content = message["content"]
            shown.append(json.dumps(content))
            if message["msg_type"] == "status" and content.get("execution_state") == "idle":
                break
        text = "\n".join(shown)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "may exist" in text and "service-token list" in text, text
    assert "Traceback" not in text and BUG not in text and login["INFISICAL_TOKEN"] not in text


# --- round one item 6: the magic's view never sends a token to the repository's domain


def test_item6_the_magics_view_never_sends_a_token_to_the_repositorys_domain(
    run: Runner,
    new_emulator: Emulator,
    world: Seeded,
    login: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create = f"service-token create -s dev:/ -a read --token-only --projectId {world.project.id}"
    token = run(*create.split(), env=login).stdout.strip()
    assert TOKEN_RE.fullmatch(token)
    folder = tmp_path / "repo"
    folder.mkdir()
    refusing = "http://127.0.0.1:9"  # the default instance is reached only through a proxy that refuses
    for key, value in {**base_env(tmp_path), "INFISICAL_TOKEN": token, "NO_PROXY": "127.0.0.1,localhost"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HTTPS_PROXY", refusing)
    monkeypatch.setenv("HTTP_PROXY", refusing)
    monkeypatch.delenv("INFISICAL_DOMAIN", raising=False)
    monkeypatch.chdir(folder)
    with Emulator("new") as recorder:
        link_project(folder, world.project.id, domain=recorder.url)
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "infisical_tokens.magics")
        try:
            ok, shown, _ = _magic(shell, "service-token view")
            assert not ok
            _clean(shown, token)
            assert recorder.requests == []  # the repository's domain heard nothing
            monkeypatch.setenv("INFISICAL_DOMAIN", new_emulator.url)
            ok, shown, value = _magic(shell, "service-token view")
            assert ok and "Name:" in shown + repr(value)  # a domain the user chose works
        finally:
            shell.run_line_magic("unload_ext", "infisical_tokens.magics")
            InteractiveShell.clear_instance()


# --- round one item 8: credentials in a URL are refused, and ~/.netrc never replaces the bearer

BAD_DOMAINS = ["https://user:hunter2@example.invalid", "http://:hunter2@127.0.0.1:9"]


def test_item8_the_magic_refuses_credentials_in_the_domain_and_ignores_netrc(
    ip: InteractiveShell, new_emulator: Emulator, tmp_path: Path
) -> None:
    for domain in BAD_DOMAINS:
        ok, shown, _ = _magic(ip, f"service-token list --domain {domain}")
        assert not ok and "--domain" in shown
        _clean(shown, "hunter2")
    netrc = tmp_path / ".netrc"  # the magic's HOME
    netrc.write_text("machine 127.0.0.1 login mallory password hunter2\n")
    netrc.chmod(0o600)
    ok, shown, _ = _magic(ip, "service-token list")
    assert ok, shown
    assert {r.headers.get("authorization", "")[:7] for r in new_emulator.requests} == {"Bearer "}


@pytest.mark.parametrize("domain", BAD_DOMAINS)
async def test_item8_the_server_refuses_credentials_in_its_api_url(
    world: Seeded, login: dict[str, str], tmp_path: Path, domain: str
) -> None:
    link(tmp_path, world.project.id)
    env = {k: v for k, v in login.items() if k != "INFISICAL_DOMAIN"}
    async with _server(tmp_path, env, options={"apiUrl": domain}) as (client, session):
        status = await session.command("infisical.server.status", {"uri": (tmp_path / "a.sh").as_uri()})
        answer = await session.command(
            "infisical.server.createServiceToken",
            {"uri": (tmp_path / "a.sh").as_uri(), "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"]},
        )
        logs = _logs(client)
    assert status["online"] is False and status["reason"], status
    assert answer["ok"] is False
    _clean(json.dumps(status) + json.dumps(answer) + logs, "hunter2")


async def test_item8_netrc_never_replaces_the_servers_bearer(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    link(tmp_path, world.project.id)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text("machine 127.0.0.1 login mallory password hunter2\n")
    (home / ".netrc").chmod(0o600)
    async with _server(tmp_path, login) as (_client, session):
        answer = await session.command("infisical.server.listTokens", {"uri": (tmp_path / "a.sh").as_uri()})
    assert answer["ok"] is True, answer
    assert {r.headers.get("authorization", "") for r in new_emulator.requests} == {f"Bearer {login['INFISICAL_TOKEN']}"}


# --- round one item 10: a CR or LF inside INFISICAL_TOKEN is refused without echoing it

BAD_TOKENS = ["eyJx\nrest", "eyJhbGciOi.x\r\nX-Evil: 1", "st.abc.def\r\nX-Evil: 1"]


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_item10_the_magic_refuses_a_token_with_line_breaks(
    ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("INFISICAL_TOKEN", bad)
    for line in ("service-token list", "service-token create -s dev:/ -a read"):
        ok, shown, _ = _magic(ip, line)
        assert not ok and "INFISICAL_TOKEN holds" in shown, shown
        _clean(shown, bad.strip(), "rest", "X-Evil")


@pytest.mark.parametrize("bad", BAD_TOKENS)
async def test_item10_the_server_refuses_a_token_with_line_breaks(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path, bad: str
) -> None:
    link(tmp_path, world.project.id)
    async with _server(tmp_path, {**login, "INFISICAL_TOKEN": bad}) as (client, session):
        status = await session.command("infisical.server.status", {"uri": (tmp_path / "a.sh").as_uri()})
        answer = await session.command("infisical.server.listTokens", {"uri": (tmp_path / "a.sh").as_uri()})
        logs = _logs(client)
    assert status["online"] is False and "INFISICAL_TOKEN holds" in (status["reason"] or ""), status
    assert answer["ok"] is False
    _clean(json.dumps(status) + json.dumps(answer) + logs, bad.strip(), "rest", "X-Evil")
    assert new_emulator.requests == []


HELD = "st.abc.def\r\nX-Evil: 1"  # a held service token (the `view` path), as issue 17 item 9 found it


def test_item10_view_refuses_a_held_token_with_line_breaks(run: Runner, login: dict[str, str]) -> None:
    for env, stdin, argv in (({"INFISICAL_TOKEN": HELD}, "", ["view"]), ({}, "st.abc.def\rX", ["view", "-"])):
        result = run("service-token", *argv, env={"INFISICAL_DOMAIN": login["INFISICAL_DOMAIN"], **env}, stdin=stdin)
        assert result.code == 1
        _clean(result.output, "X-Evil", "\rX")


def test_item10_the_magics_view_refuses_a_held_token_with_line_breaks(
    ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFISICAL_TOKEN", HELD)
    ok, shown, _ = _magic(ip, "service-token view")
    assert not ok and "INFISICAL_TOKEN" in shown, shown
    _clean(shown, "X-Evil")


# --- round one item 12: pathological .gitignore lines where the token file is checked, and in a git repository

GITIGNORE = "**********x**********y\n\\\n!\nfoo\\\n[z-a]\n.env\n"


async def test_item12_the_servers_token_file_check_survives_pathological_gitignore_lines(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    link(tmp_path, world.project.id)
    (tmp_path / ".gitignore").write_text(GITIGNORE)
    async with _server(tmp_path, login, editor="neovim", handles_tokens=False) as (client, session):
        started = time.monotonic()
        answer = await session.command(
            "infisical.server.createServiceToken",
            {"uri": (tmp_path / "a.sh").as_uri(), "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"]},
        )
        assert time.monotonic() - started < 10
        logs = _logs(client)
    assert answer["ok"] is True and answer["writtenTo"].endswith(".env"), answer
    token = (tmp_path / ".env").read_text().split("=", 1)[1].strip()
    assert TOKEN_RE.match(token) and token not in json.dumps(answer) + logs


def test_item12_check_in_a_git_repository_with_pathological_gitignore_lines(run: Runner) -> None:
    subprocess.run(["git", "init", "-q", str(run.cwd)], check=True)
    (run.cwd / ".gitignore").write_text(GITIGNORE.replace(".env", "ignored.sh"))
    (run.cwd / "ignored.sh").write_text("infisical service-token create -s dev:bad -a read\n")
    (run.cwd / "checked.sh").write_text("infisical service-token create -s dev:bad -a read\n")
    (run.cwd / ("x" * 60 + "y.sh")).write_text("")
    started = time.monotonic()
    result = run("check")
    assert time.monotonic() - started < 20
    assert result.code == 1 and "checked.sh:1:" in result.stdout and "ignored.sh" not in result.stdout


# --- round one item 13: a trickling server and an endless body, in every face that talks to a server

SLOW = {"INFISICAL_TOKENS_TIMEOUT": "1"}


def _trickle(emulator: Emulator) -> None:
    emulator.add_fault("trickle", delay=0.5, times=100)


def _endless(emulator: Emulator) -> None:
    emulator.add_fault("body", status=200, body=b'{"a": "' + b"x" * 17_000_000 + b'"}', times=100)


HOSTILE_SERVERS = {"trickling": (_trickle, "within 2 seconds"), "an endless body": (_endless, "larger than 16 MB")}


@pytest.mark.parametrize("kind", HOSTILE_SERVERS)
def test_item13_the_magic_gives_up_on_a_hostile_server(
    ip: InteractiveShell, new_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("INFISICAL_TOKENS_TIMEOUT", "1")
    fault, said = HOSTILE_SERVERS[kind]
    fault(new_emulator)
    started = time.monotonic()
    ok, shown, _ = _magic(ip, "service-token list")
    assert time.monotonic() - started < 15
    assert not ok and said in shown, shown
    _clean(shown)


@pytest.mark.parametrize("kind", HOSTILE_SERVERS)
async def test_item13_the_server_gives_up_on_a_hostile_server_and_keeps_answering(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path, kind: str
) -> None:
    link(tmp_path, world.project.id)
    fault, said = HOSTILE_SERVERS[kind]
    fault(new_emulator)
    async with _server(tmp_path, {**login, **SLOW}) as (client, session):
        uri = await session.open("a.sh", "shellscript", "infisical service-token create -s dev:/ -a read\n")
        started = time.monotonic()
        listing = asyncio.ensure_future(session.command("infisical.server.listTokens", {"uri": uri}))
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 36))
        )
        assert time.monotonic() - started < 5 and hover is not None  # the server is not blocked meanwhile
        answer = await asyncio.wait_for(listing, 20)
        assert answer["ok"] is False and said in answer["message"], answer
        logs = _logs(client)
    _clean(logs, login["INFISICAL_TOKEN"])


@pytest.mark.parametrize("kind", HOSTILE_SERVERS)
def test_item13_check_online_gives_up_on_a_hostile_server(
    run: Runner, new_emulator: Emulator, world: Seeded, login: dict[str, str], kind: str
) -> None:
    link_project(run.cwd, world.project.id)
    (run.cwd / "a.sh").write_text("infisical service-token create -s dev:bad -a read\n")
    HOSTILE_SERVERS[kind][0](new_emulator)
    started = time.monotonic()
    result = run("check", "--online", env={**login, **SLOW})
    assert time.monotonic() - started < 30
    assert result.code == 1 and "a.sh:1:" in result.stdout  # the offline checks still ran
    assert "checked offline" in result.stderr
    _clean(result.output, login["INFISICAL_TOKEN"])


# --- round one item 17: the language server's own input: a lowercase log level, malformed requests

_RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
_CONTEXT: dict[str, Any] = {"diagnostics": []}

MALFORMED_REQUESTS: list[tuple[str, Any]] = [
    ("textDocument/hover", {"textDocument": {"uri": "file:///nowhere/x.sh"}, "position": {"line": 0, "character": 0}}),
    ("textDocument/hover", {"textDocument": {"uri": 5}, "position": {"line": 0, "character": 0}}),
    ("textDocument/completion", {"textDocument": {"uri": "file:///dev/zero"}, "position": {"line": 0, "character": 0}}),
    ("textDocument/codeAction", {"textDocument": {"uri": "file:///x.sh"}, "range": _RANGE, "context": _CONTEXT}),
    ("workspace/executeCommand", {"command": "no.such.command"}),
    ("workspace/executeCommand", {"command": "infisical.server.status", "arguments": "not a list"}),
    ("workspace/executeCommand", {"command": "infisical.server.createServiceToken", "arguments": [{"argv": 5}]}),
    ("workspace/executeCommand", {"command": "infisical.server.createServiceToken", "arguments": [{"scopes": 5}]}),
    ("workspace/executeCommand", {"command": 7}),
    ("no/suchMethod", {}),
    ("textDocument/documentSymbol", {"textDocument": {"uri": "file:///x.sh"}}),
]
# issue 17 item 11 (branch hangs): requests whose parameters do not fit the protocol's types are never answered
UNANSWERED: list[tuple[str, Any]] = [
    ("textDocument/hover", {}),
    ("textDocument/hover", None),
    ("textDocument/completion", {"textDocument": {}, "position": {"line": 0, "character": 0}}),
    ("textDocument/codeAction", {"textDocument": {"uri": "file:///x.sh"}, "range": "x", "context": {}}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.sh"}, "position": {"line": -1, "character": 0}}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.sh"}, "position": {"line": "x", "character": 0}}),
    ("textDocument/completion", {"textDocument": {"uri": "file:///x.sh"}, "position": {"line": 2**40, "character": 0}}),
]


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def _answers(requests: list[tuple[str, Any]], tmp_path: Path, timeout: float = 20) -> tuple[dict[int, Any], str]:
    """Send ``requests`` (ids 10, 11, ...) to a server started with a lowercase ``--log-level debug``; every answer
    by id within ``timeout``, and the server's stderr."""
    import threading

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "infisical_tokens.lsp", "--log-level", "debug"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=base_env(home),
        cwd=tmp_path,
    )
    assert server.stdin is not None and server.stdout is not None and server.stderr is not None
    answers: dict[int, Any] = {}
    errors: list[bytes] = []

    def read_answers(stream: Any) -> None:
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                byte = stream.read(1)
                if not byte:
                    return
                head += byte
            length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
            message = json.loads(stream.read(length))
            if "id" in message and ("result" in message or "error" in message):
                answers[message["id"]] = message

    readers = [
        threading.Thread(target=read_answers, args=(server.stdout,), daemon=True),
        threading.Thread(target=lambda: errors.append(server.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    messages: list[dict[str, Any]] = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": None}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        *({"jsonrpc": "2.0", "id": 10 + i, "method": m, "params": p} for i, (m, p) in enumerate(requests)),
    ]
    server.stdin.write(b"".join(_frame(m) for m in messages))
    server.stdin.flush()
    deadline = time.monotonic() + timeout
    while len(answers) < len(requests) + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        server.stdin.write(_frame({"jsonrpc": "2.0", "id": 99, "method": "shutdown", "params": None}))
        server.stdin.write(_frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
        server.stdin.close()
        server.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        server.kill()
        server.wait()
    for reader in readers:
        reader.join(timeout=10)
    return answers, b"".join(errors).decode("utf-8", "replace")


def test_item17_every_malformed_request_is_answered_without_a_traceback(tmp_path: Path) -> None:
    answers, stderr = _answers(MALFORMED_REQUESTS, tmp_path)
    assert 1 in answers and "result" in answers[1]  # served, with a lowercase log level
    missing = [MALFORMED_REQUESTS[i] for i in range(len(MALFORMED_REQUESTS)) if 10 + i not in answers]
    assert missing == []
    assert "Traceback" not in stderr and BUG not in stderr
    for answer in answers.values():  # a clear message, never a Python one
        assert not any(word in json.dumps(answer) for word in ("Traceback", "TypeError", "AttributeError")), answer


def test_item17_requests_round_two_found_unanswered(tmp_path: Path) -> None:
    answers, stderr = _answers(UNANSWERED, tmp_path)
    assert [UNANSWERED[i] for i in range(len(UNANSWERED)) if 10 + i not in answers] == []
    assert "Traceback" not in stderr


# --- round one item 20: project files the CLI refuses, in the editor too; check's other formats

REFUSED_PROJECT_FILES = ["[]", "null", '"x"', '{"workspaceId": "p", "gitBranchToEnvironmentMapping": {"main": 1}}']


async def test_item20_the_editor_flags_project_files_the_cli_refuses(tmp_path: Path) -> None:
    async with _server(tmp_path, {}) as (_client, session):
        for content in REFUSED_PROJECT_FILES:
            uri = await session.open(".infisical.json", "json", content)
            found = await session.diagnostics(uri)
            assert "json-type" in [d.code for d in found], (content, found)


@pytest.mark.parametrize("form", [["--format", "json"], ["--format", "github"]])
@needs_fifo
def test_item20_check_in_other_formats_fails_refused_project_files_and_names_skipped_files(
    run: Runner, form: list[str]
) -> None:
    os.mkfifo(run.cwd / "pipe.sh")
    (run.cwd / "big.sh").write_bytes(b"#" * (6 * 1024 * 1024))
    for content in REFUSED_PROJECT_FILES:
        (run.cwd / ".infisical.json").write_text(content)
        result = run("check", *form)
        assert result.code == 1 and "json-type" in result.stdout, (content, result.output)
        assert "pipe.sh was not checked: not a regular file" in result.stderr
        assert "big.sh was not checked: larger than 5 MB" in result.stderr
