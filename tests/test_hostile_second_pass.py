"""Issue 17, second pass: what an adversarial tester found after round two was merged, each through every face
it concerns (the CLI as a subprocess, the language server over stdio or TCP, the magic in IPython)."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from tests.conftest import CLI, TOKEN_RE, Runner, base_env, link_project, magic_shell
from tests.emulator import Emulator, Seeded, seed
from tests.test_hostile import RawClient, tcp_server
from tests.test_hostile import login as login  # fixtures: the seeded world, linked to run.cwd
from tests.test_hostile import world as world

BUG = "This is a bug"


def _frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class BytesClient(RawClient):
    """A raw client that can also send bodies that are not JSON-RPC at all, with more in its environment."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infisical_tokens.lsp"],
            env={**base_env(home), **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def send_body(self, body: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(_frame(body))
        self.process.stdin.flush()

    def messages(self, wait: float) -> list[dict[str, object]]:
        """Every message the server writes within ``wait`` seconds."""
        assert self.process.stdout is not None
        found: list[dict[str, object]] = []
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.process.stdout], [], [], left)[0]:
                break
            length = 0
            while (line := self.process.stdout.readline().strip()) != b"":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            found.append(json.loads(self.process.stdout.read(length)))
        return found


INITIALIZE = {"id": 0, "method": "initialize", "params": {"capabilities": {}}}


# --- issue 17, second pass (a): a request before initialize is refused at once, over stdio and TCP


def test_a_request_before_initialize_is_refused_at_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    client = RawClient(home)
    try:
        started = time.monotonic()
        client.send(
            {
                "id": 1,
                "method": "workspace/executeCommand",
                "params": {"command": "infisical.createServiceToken", "arguments": [{}]},
            }
        )
        answer = client.answer(1, timeout=5)
        assert time.monotonic() - started < 6  # before the fix: 10 s (startup included here)
        error = answer["error"]
        assert isinstance(error, dict) and error["code"] == -32002
        assert "initialize" in error["message"] and "may exist" not in error["message"]
        client.send(INITIALIZE)
        assert "result" in client.answer(0)
    finally:
        err = client.close()
    assert "Traceback" not in err and "RuntimeError" not in err


def test_a_request_before_initialize_is_refused_over_tcp(tmp_path: Path) -> None:
    server, connect = tcp_server(tmp_path)
    try:
        client = connect()
        with client:
            started = time.monotonic()
            body = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "workspace/executeCommand",
                "params": {"command": "infisical.createServiceToken", "arguments": [{}]},
            }
            client.sendall(_frame(json.dumps(body).encode()))
            answer = b""
            while b'"error"' not in answer:
                chunk = client.recv(65536)
                assert chunk, "the server closed the connection"
                answer += chunk
            assert time.monotonic() - started < 6  # before the fix: 10 s (startup included here)
            assert b"-32002" in answer and b"may exist" not in answer and b"RuntimeError" not in answer
    finally:
        server.kill()
        _, err = server.communicate(timeout=10)
    assert b"Traceback" not in err


# --- issue 17, second pass (i, j): ids that are not ids, bodies that are not requests


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"jsonrpc":"2.0","id":[1],"method":"shutdown"}', -32600),
        (b'{"jsonrpc":"2.0","id":{"a":1},"method":"textDocument/hover","params":{}}', -32600),
        (b"{bad}", -32700),
        (b"[]", -32600),
        (b"null", -32600),
        (b"5", -32600),
        (b'{"id":3,"method":"shutdown"}', -32600),
    ],
)
def test_messages_that_are_not_requests_are_answered_with_id_null(tmp_path: Path, body: bytes, code: int) -> None:
    home = tmp_path / "home"
    home.mkdir()
    client = BytesClient(home)
    try:
        client.send(INITIALIZE)
        client.answer(0)
        client.send_body(body)
        seen = client.messages(wait=2)
        client.send({"id": 9, "method": "shutdown"})
        assert "error" not in client.answer(9)  # still serving
    finally:
        err = client.close()
    errors = [m for m in seen if "error" in m]
    assert len(errors) == 1 and errors[0]["id"] is None, seen
    assert isinstance(errors[0]["error"], dict) and errors[0]["error"]["code"] == code
    assert not [m for m in seen if m.get("method") == "window/showMessage"], seen
    assert "Traceback" not in err and "object has no attribute" not in err


# --- issue 17, second pass (e): standard input closed


@pytest.mark.parametrize(
    "argv",
    [["service-token", "view", "-"], ["service-token", "delete", "abcd1234", "--projectId", "p1"]],
    ids=["view -", "delete"],
)
def test_a_closed_standard_input_is_said_plainly(run: Runner, argv: list[str]) -> None:
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" "$@" <&-', CLI, *argv],
        capture_output=True,
        text=True,
        env={**run.env, "INFISICAL_TOKEN": "x", "INFISICAL_DOMAIN": "http://127.0.0.1:9"},
        cwd=run.cwd,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert BUG not in proc.stderr and "Traceback" not in proc.stderr and "AttributeError" not in proc.stderr
    if "view" in argv:
        assert "no standard input to read the token from" in proc.stderr


# --- issue 17, second pass (l, m): names and argv echoed to a terminal carry no control characters

HOSTILE = "\x1b]0;pwn\x07\x1b[2J\u202e"
RAW = ("\x1b", "\x07", "\u202e")


def _no_raw(text: str) -> None:
    for raw in RAW:
        assert raw not in text, repr(text)


def test_check_prints_hostile_file_names_clean_in_every_format(run: Runner) -> None:
    name = f"f{HOSTILE}.sh"
    (run.cwd / name).write_text("infisical service-token create -s dev:/ -a nonsense\n")
    for fmt in ("text", "json", "github"):
        result = run("check", ".", "--format", fmt)
        assert result.code == 1, result.output
        _no_raw(result.output)
        if fmt == "json":
            assert json.loads(result.stdout)[0]["path"] == name  # JSON escapes it: the true name
        else:
            assert "f ]0;pwn  [2J .sh" in result.stdout


def test_create_echoes_names_and_scopes_clean(run: Runner, login: dict[str, str], world: Seeded) -> None:
    made = run("service-token", "create", "-n", "n\x1b[2J", "-s", "dev:/", "-a", "read", env=login)
    assert made.code == 0 and "Name: n [2J" in made.output
    _no_raw(made.output)
    refused = run("service-token", "create", "-s", "d\x1b[2J:/", "-a", "read", env=login)
    assert refused.code == 1
    _no_raw(refused.output)


# --- issue 17, second pass (p): an empty expiresAt is not "never"


def test_cli_rotate_refuses_an_empty_expiry(run: Runner, new_emulator: Emulator, login: dict[str, str]) -> None:
    from tests.test_never_lose_a_token import POST, _created, _listing_with

    project = json.loads((run.cwd / ".infisical.json").read_text())["workspaceId"]
    old = _created(run, login, "-e", "86400")
    _listing_with(new_emulator, project, old, expiresAt="")
    result = run("service-token", "rotate", old, "--projectId", project, env=login)
    assert result.code == 1 and "-e SECONDS" in result.stderr and "nothing was created or deleted" in result.stderr
    assert len(new_emulator.requests_to("POST", POST)) == 1 and old in new_emulator.state.tokens


async def test_lsp_rotate_refuses_an_empty_expiry(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, run: Runner, login: dict[str, str]
) -> None:
    from tests.test_never_lose_a_token import POST, ROTATE, _created, _listing_with, _server

    old = _created(run, login, "-e", "86400")
    session = await _server(new_emulator, world, tmp_path, handles_tokens=True)
    try:
        _listing_with(new_emulator, world.project.id, old, expiresAt="")
        answer = await session.command(ROTATE, {"tokenId": old, "projectId": world.project.id})
        assert answer["ok"] is False and "-e SECONDS" in answer["message"]
        assert len(new_emulator.requests_to("POST", POST)) == 1 and old in new_emulator.state.tokens
    finally:
        await session.client.shutdown_session()


# --- issue 17, second pass (g, h): an ignore file that is a FIFO is never opened blocking


@pytest.mark.parametrize("fifo", [".gitignore", ".git/info/exclude", "sub/.gitignore"])
def test_check_says_a_fifo_ignore_file_and_does_not_hang(run: Runner, fifo: str) -> None:
    (run.cwd / "sub").mkdir()
    (run.cwd / ".git" / "info").mkdir(parents=True)  # a folder named .git, with no git repository in it
    os.mkfifo(run.cwd / fifo)
    (run.cwd / "sub" / "a.sh").write_text("infisical service-token create -s dev:/ -a nonsense\n")
    proc = subprocess.run(
        [CLI, "check", "."],
        capture_output=True,
        text=True,
        env={**run.env, "PATH": "/nonexistent"},
        cwd=run.cwd,
        timeout=30,
    )
    assert proc.returncode == 1 and "bad-access-level" in proc.stdout, proc.stderr
    assert f"{fifo} was not read (not a regular file)" in proc.stderr
    assert "Traceback" not in proc.stderr


async def test_the_server_creates_past_a_fifo_gitignore(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    from tests.lsp_harness import link
    from tests.test_hostile_round_one import _server

    link(tmp_path, world.project.id)
    os.mkfifo(tmp_path / ".gitignore")
    async with _server(tmp_path, login, editor="neovim", handles_tokens=False) as (_client, session):
        answer = await asyncio.wait_for(
            session.command(
                "infisical.server.createServiceToken",
                {"uri": (tmp_path / "a.sh").as_uri(), "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"]},
            ),
            timeout=20,
        )
    assert answer["ok"] is False and "not covered by .gitignore" in answer["message"], answer
    assert ".gitignore was not read: not a regular file" in answer["message"]
    assert new_emulator.requests_to("POST", "/api/v2/service-token") == []


# --- issue 17, second pass (b): a URL with a password is refused when set, and errors name the setting


@pytest.fixture
def ip(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    yield from magic_shell(new_emulator, world, tmp_path, monkeypatch)


def test_the_magic_refuses_a_url_with_a_password_when_it_is_set(
    ip: InteractiveShell, caplog: pytest.LogCaptureFixture
) -> None:
    with capture_output() as refused:
        ip.run_line_magic("config", "InfisicalMagics.api_url = 'http://u:hunter2@127.0.0.1:1'")
    with capture_output() as shown:
        ip.run_line_magic("config", "InfisicalMagics")
    said = refused.stdout + refused.stderr + caplog.text  # %config logs what a configurable refused
    assert "InfisicalMagics.api_url holds a user name or password" in said, said
    assert "--domain" not in said
    for text in (said, shown.stdout + shown.stderr):
        assert "hunter2" not in text and "Traceback" not in text
    with capture_output() as listed:
        ip.run_line_magic("infisical", "service-token list")
    assert "Traceback" not in listed.stdout + listed.stderr  # the refused value was never taken


async def test_the_servers_api_url_errors_name_the_setting(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    from tests.lsp_harness import link
    from tests.test_hostile_round_one import _server

    link(tmp_path, world.project.id)
    options = {"apiUrl": "http://u:hunter2@127.0.0.1:1"}
    async with _server(tmp_path, login, options=options) as (_client, session):
        answer = await session.command(
            "infisical.server.createServiceToken",
            {"uri": (tmp_path / "a.sh").as_uri(), "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"]},
        )
    assert answer["ok"] is False and "infisical.apiUrl" in answer["message"], answer
    assert "--domain" not in answer["message"] and "hunter2" not in answer["message"]


# --- issue 17, second pass (d): Ctrl-C during rotate's delete names the old token and the command to finish


def test_ctrl_c_during_rotates_delete_says_how_to_finish(
    run: Runner, new_emulator: Emulator, login: dict[str, str], world: Seeded
) -> None:
    from tests.test_never_lose_a_token import POST, _created, _wait_for

    old = _created(run, login)
    new_emulator.add_fault("latency", method="DELETE", path=POST, delay=4)
    process = subprocess.Popen(
        [CLI, "service-token", "rotate", old, "--projectId", world.project.id],
        cwd=run.cwd,
        env={**run.env, **login},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(lambda: new_emulator.requests_to("DELETE", POST))
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert TOKEN_RE.search(out + err)  # the new token was shown before the delete was tried
    assert "Interrupted." in err and f"The old service token {old} may still exist" in err, err
    assert f"infisical-tokens service-token delete {old} --projectId {world.project.id} --yes" in err
    assert BUG not in err and "Traceback" not in err


# --- issue 17, second pass (c): shutdown waits for a shielded create instead of cancelling it


def test_shutdown_during_a_create_still_answers_with_the_token(
    new_emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    from tests.lsp_harness import link

    link(tmp_path, world.project.id)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    client = BytesClient(home, login)
    try:
        client.send(
            {
                "id": 0,
                "method": "initialize",
                "params": {
                    "capabilities": {},
                    "rootUri": tmp_path.as_uri(),
                    "initializationOptions": {"clientHandlesTokens": True},
                },
            }
        )
        client.answer(0)
        client.send({"method": "initialized", "params": {}})
        new_emulator.add_fault("latency", method="POST", path="/api/v2/service-token", delay=3)
        argv = ["service-token", "create", "-s", "dev:/", "-a", "read"]
        arguments = [{"uri": (tmp_path / "a.sh").as_uri(), "argv": argv}]
        params = {"command": "infisical.server.createServiceToken", "arguments": arguments}
        client.send({"id": 1, "method": "workspace/executeCommand", "params": params})
        deadline = time.monotonic() + 10
        while not new_emulator.requests_to("POST", "/api/v2/service-token"):
            assert time.monotonic() < deadline, "the create was never sent"
            time.sleep(0.02)
        time.sleep(1)
        client.send({"id": 2, "method": "shutdown"})
        created = client.answer(1, timeout=20)
        shutdown = client.answer(2, timeout=20)
    finally:
        err = client.close()
    assert "error" not in created, created
    result = created["result"]
    assert isinstance(result, dict) and result["ok"] is True and TOKEN_RE.search(json.dumps(result)), result
    assert "error" not in shutdown, shutdown
    assert "dictionary changed size" not in err and "Traceback" not in err


# --- issue 17, second pass (k): a malformed folder tree is said by listFolders and status, not only the hover


@pytest.mark.parametrize("body", [b'{"dev":{"folders":5}}', b'[{"path":"abc"}]', b'{"path":7}'])
async def test_list_folders_and_status_say_a_malformed_tree(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, body: bytes
) -> None:
    from tests.test_hostile import UNEXPECTED, _bad_tree, _lsp_session

    _bad_tree(new_emulator, world, body)
    session = await _lsp_session(new_emulator, world, tmp_path)
    try:
        uri = (tmp_path / "a.sh").as_uri()
        folders: dict[str, object] = {}
        for _ in range(100):
            folders = await session.command(
                "infisical.server.listFolders", {"projectId": world.project.id, "environment": "dev"}
            )
            if folders.get("online"):
                break
            await asyncio.sleep(0.1)
        status = await session.command("infisical.server.status", {"uri": uri})
    finally:
        await session.client.shutdown_session()
    assert UNEXPECTED in str(folders.get("reason")), folders
    assert UNEXPECTED in str(status.get("reason")), status


# --- issue 17, second pass (n, o): a walk cut short is said by auditServiceTokens and listFolders


async def test_the_servers_audit_and_folders_say_a_walk_was_cut_short(run: Runner, tmp_path: Path) -> None:
    from tests.test_hostile import ENDLESS, PARTIAL, _endless, _lsp_session

    with Emulator("old", rate_limit=None) as old:
        world = seed(old)
        link_project(run.cwd, world.project.id)
        env = {"INFISICAL_TOKEN": old.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": old.url}
        made = run("service-token", "create", "-s", "prod:/**", "-a", "read", "-a", "write", "--token-only", env=env)
        assert made.code == 0, made.stderr
        _endless(old, ENDLESS["wide"])
        (tmp_path / "editor").mkdir()
        session = await _lsp_session(old, world, tmp_path / "editor")
        try:
            audit = await session.command("infisical.server.auditServiceTokens", {"projectId": world.project.id})
            folders = await session.command(
                "infisical.server.listFolders", {"projectId": world.project.id, "environment": "prod"}
            )
        finally:
            await session.client.shutdown_session()
    assert audit["ok"] is True and PARTIAL in audit.get("note", ""), audit
    assert folders["partial"] is True, folders
