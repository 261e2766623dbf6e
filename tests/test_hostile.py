"""A hostile world: an echoing or malicious server, a malicious repository, broken files, interrupts, pathological
globs. Every face must lose no token, leak no credential, never hang, and never answer with a traceback or
"This is a bug". Each test drives a real interface (the installed CLI, the magic, the server over stdio)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from lsprotocol import types

from tests.conftest import CLI, TOKEN_RE, Runner, base_env, link_project, needs_fifo
from tests.emulator import Emulator, Seeded, seed
from tests.lsp_harness import Session, start

BUG = "This is a bug"


@pytest.fixture
def world(new_emulator: Emulator) -> Seeded:
    return seed(new_emulator)


@pytest.fixture
def login(new_emulator: Emulator, world: Seeded, run: Runner) -> dict[str, str]:
    link_project(run.cwd, world.project.id)
    return {"INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": new_emulator.url}


def _clean(output: str, *secrets: str) -> None:
    assert BUG not in output and "Traceback" not in output, output
    for secret in secrets:
        assert secret not in output, "a credential reached the output"


COMMANDS = [
    ["service-token", "create", "-s", "dev:/", "-a", "read"],
    ["service-token", "create", "-s", "dev:/", "-a", "read", "--dry-run"],
    ["service-token", "list"],
    ["service-token", "list", "--json"],
    ["service-token", "view", "abcd1234"],
    ["service-token", "delete", "00000000-0000-0000-0000-000000000000", "--yes"],
    ["check", "--online"],
]


# ---------------------------------------------------------------------- no credential reaches anyone else


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[1:3]) for a in COMMANDS])
def test_an_echoing_server_never_makes_us_print_the_bearer(
    run: Runner, new_emulator: Emulator, login: dict[str, str], argv: list[str]
) -> None:
    (run.cwd / "a.sh").write_text("infisical service-token create -s dev:/ -a read\n")
    new_emulator.add_fault("echo", status=400, times=100)
    result = run(*argv, env=login)
    assert result.code in (0, 1)
    _clean(result.output, login["INFISICAL_TOKEN"], login["INFISICAL_TOKEN"][-20:])
    if result.code == 1 and argv[0] != "check":
        assert "<redacted>" in result.output  # the echo was shown, the credential in it was not


def test_view_never_sends_a_token_to_the_repositorys_domain(run: Runner, new_emulator: Emulator, world: Seeded) -> None:
    login = {"INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": new_emulator.url}
    token = run(
        "service-token",
        "create",
        "-s",
        "dev:/",
        "-a",
        "read",
        "--token-only",
        "--projectId",
        world.project.id,
        env=login,
    ).stdout.strip()
    # nothing may leave this machine: the default instance is reached only through a proxy that refuses
    offline = {
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with Emulator("new") as recorder:
        link_project(run.cwd, world.project.id, domain=recorder.url)
        for args, env, stdin in (
            (["view", "-"], offline, token),
            (["view"], {**offline, "INFISICAL_TOKEN": token}, ""),
        ):
            result = run("service-token", *args, env=env, stdin=stdin)
            assert result.code == 1 and token not in result.output
        assert recorder.requests == []  # the repository's domain heard nothing
        chosen = run("service-token", "view", "-", env={"INFISICAL_DOMAIN": new_emulator.url}, stdin=token)
        assert chosen.code == 0 and "Name:" in chosen.stdout  # a domain the user chose works


@pytest.mark.parametrize(
    "domain", ["https://user:hunter2@example.invalid", "http://:hunter2@127.0.0.1:9", "javascript:alert(1)", "ftp://x"]
)
def test_credentials_or_nonsense_in_the_domain_are_refused(run: Runner, login: dict[str, str], domain: str) -> None:
    result = run(
        "service-token", "list", "--domain", domain, env={k: v for k, v in login.items() if k != "INFISICAL_DOMAIN"}
    )
    assert result.code == 1
    _clean(result.output, "hunter2")
    assert "--domain" in result.stderr


def test_an_empty_domain_is_an_error_not_the_default_instance(run: Runner, login: dict[str, str]) -> None:
    result = run("service-token", "list", "--domain", "", env=login)
    assert result.code == 1 and "--domain is empty" in result.stderr


def test_netrc_never_replaces_the_bearer(run: Runner, new_emulator: Emulator, login: dict[str, str]) -> None:
    netrc = run.home / ".netrc"
    netrc.write_text("machine 127.0.0.1 login mallory password hunter2\n")
    netrc.chmod(0o600)
    assert run("service-token", "list", env=login).code == 0
    sent = {r.headers.get("authorization", "") for r in new_emulator.requests}
    assert sent == {f"Bearer {login['INFISICAL_TOKEN']}"}


@pytest.mark.parametrize("bad", ["eyJx\nrest", "st.a.b\r\nX-Evil: 1", "токен", "a\x00b"])
def test_a_token_with_line_breaks_or_odd_characters_is_refused_without_echoing_it(
    run: Runner, login: dict[str, str], bad: str
) -> None:
    result = run("service-token", "list", env={**login, "INFISICAL_TOKEN": bad}) if "\x00" not in bad else None
    if result is None:
        return  # a NUL cannot be put into an environment variable at all
    assert result.code == 1 and "INFISICAL_TOKEN holds" in result.stderr
    _clean(result.output, bad.strip())


@pytest.mark.parametrize("headers", ["X-A=é\u2603", "X-B=a\rb"])
def test_custom_headers_that_http_cannot_carry(run: Runner, login: dict[str, str], headers: str) -> None:
    result = run("service-token", "list", env={**login, "INFISICAL_CUSTOM_HEADERS": headers})
    assert result.code == 1 and "INFISICAL_CUSTOM_HEADERS" in result.stderr
    _clean(result.output)


# ---------------------------------------------------------------------- malformed answers, every command

MALFORMED = [
    (200, b"[]"),
    (200, b'"text"'),
    (200, b"{}"),
    (200, b"null"),
    (200, b"{"),
    (200, b"[" * 100_000 + b"]" * 100_000),
    (200, b'{"serviceTokenData": "oops", "folders": 7, "workspace": [], "workspaces": {"a": 1}}'),
    (200, b'{"serviceToken": 5}'),
    (200, b'{"serviceToken": "not-a-token"}'),
    (500, b"<html>\x1b[31mred\x1b]0;title\x07</html>"),
    (502, b"x" * 5_000_000),
    (403, b'{"message": {"nested": [1, 2]}, "error": ["list"], "reqId": 42}'),
    (301, b"{}"),
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[1:3]) for a in COMMANDS])
def test_malformed_answers_give_a_clear_message(
    run: Runner, new_emulator: Emulator, login: dict[str, str], argv: list[str]
) -> None:
    (run.cwd / "a.sh").write_text("infisical service-token create -s dev:/ -a read\n")
    misbehaved = []
    for status, body in MALFORMED:
        new_emulator.faults.clear()
        new_emulator.add_fault("body", status=status, body=body, times=100)
        result = run(*argv, env=login)
        if result.code not in (0, 1) or BUG in result.output or "\x1b" in result.output or len(result.output) > 20_000:
            misbehaved.append((status, body[:40], result.code, result.output[:300]))
    assert misbehaved == []


FAKE_TOKEN = "st.6f1b2c3d-0000-4000-8000-000000000000." + "ab" * 16
GARBAGE_METADATA = [b'"oops"', b"[1, 2]", b'{"scopes": "x", "permissions": 5, "expiresAt": {"a": 1}}', b"null"]


def garbage_create(emulator: Emulator, metadata: bytes) -> None:
    """The next create answers 200 with a good token beside ``metadata`` (every face must hand the token over)."""
    emulator.faults.clear()
    emulator.add_fault(
        "body",
        method="POST",
        status=200,
        body=b'{"serviceToken": "%s", "serviceTokenData": %s}' % (FAKE_TOKEN.encode(), metadata),
    )


def test_a_created_token_is_printed_even_when_its_metadata_is_garbage(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    for metadata in GARBAGE_METADATA:
        garbage_create(new_emulator, metadata)
        result = run("service-token", "create", "-s", "dev:/", "-a", "read", "--token-only", env=login)
        assert result.code == 0, result.output
        assert result.stdout.startswith(FAKE_TOKEN + ".")  # the token (and its random suffix), as the CLI prints it


# ---------------------------------------------------------------------- nothing hangs, nothing grows


def test_a_trickling_server_is_given_up_on(run: Runner, new_emulator: Emulator, login: dict[str, str]) -> None:
    new_emulator.add_fault("trickle", delay=0.5, times=10)
    started = time.monotonic()
    result = run("service-token", "list", env={**login, "INFISICAL_TOKENS_TIMEOUT": "1"})
    assert time.monotonic() - started < 15
    assert result.code == 1 and "no complete answer within 2 seconds" in result.stderr


def test_a_silent_create_is_said_to_maybe_exist(run: Runner, new_emulator: Emulator, login: dict[str, str]) -> None:
    new_emulator.add_fault("latency", method="POST", delay=5)
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env={**login, "INFISICAL_TOKENS_TIMEOUT": "1"})
    assert result.code == 1
    assert "may have created the token" in result.stderr and "service-token list" in result.stderr
    assert len(new_emulator.requests_to("POST", "/api/v2/service-token")) == 1  # never retried


@pytest.mark.parametrize(
    "scope",
    ["dev:/+(*)+(*)+(*)X", "dev:/*a*a*a*a*a*a*a*b", "dev:/" + "@(" * 300 + "a" + ")" * 300, "dev:/" + "a" * 600],
)
def test_pathological_globs_are_refused_quickly(run: Runner, login: dict[str, str], scope: str) -> None:
    started = time.monotonic()
    result = run("service-token", "create", "-s", scope, "-a", "read", "--dry-run", env=login)
    assert time.monotonic() - started < 10
    assert result.code == 1 and "scope-invalid-glob" not in result.stdout
    assert "could take practically forever" in result.stderr or "nested too deeply" in result.stderr
    (run.cwd / "x.sh").write_text(f"infisical service-token create -s '{scope}' -a read\n")
    started = time.monotonic()
    checked = run("check", "--online", env=login)
    assert time.monotonic() - started < 15 and "scope-invalid-glob" in checked.stdout


@needs_fifo
def test_pathological_gitignore_lines_and_odd_files(run: Runner, tmp_path: Path) -> None:
    (run.cwd / ".gitignore").write_text("**********x**********y\n\\\n!\nfoo\\\n[z-a]\nignored.sh\n")
    (run.cwd / "ignored.sh").write_text("infisical service-token create -s dev:bad -a read\n")
    (run.cwd / "checked.sh").write_text("infisical service-token create -s dev:bad -a read\n")
    os.mkfifo(run.cwd / "pipe.sh")
    (run.cwd / "zero.sh").symlink_to("/dev/zero")
    (run.cwd / "big.sh").write_bytes(b"#" * (6 * 1024 * 1024))
    started = time.monotonic()
    result = run("check")
    assert time.monotonic() - started < 20
    assert "checked.sh:1:" in result.stdout and "ignored.sh" not in result.stdout
    for name, reason in (
        ("pipe.sh", "not a regular file"),
        ("zero.sh", "not a regular file"),
        ("big.sh", "larger than 5 MB"),
    ):
        assert f"{name} was not checked: {reason}" in result.stderr
    assert "3 file(s) could not be checked" in result.stderr


@pytest.mark.parametrize(
    "content", ["[]", "null", '"x"', '{"workspaceId": "p", "gitBranchToEnvironmentMapping": {"main": 1}}']
)
def test_check_refuses_project_files_the_cli_cannot_read(run: Runner, content: str) -> None:
    (run.cwd / ".infisical.json").write_text(content)
    result = run("check")
    assert result.code == 1 and "json-type" in result.stdout


def test_a_vault_that_asks_for_billions_of_rounds(run: Runner, world: Seeded) -> None:
    import base64

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(
        json.dumps({"alg": "PBES2-HS256+A128KW", "enc": "A256GCM", "p2c": 2**31 - 1, "p2s": "c2FsdA"}).encode()
    )
    config = run.home / ".infisical" / "infisical-config.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps(
            {
                "loggedInUserEmail": "a@b.c",
                "vaultBackendType": "file",
                "vaultBackendPassphrase": base64.b64encode(b"pw").decode(),
            }
        )
    )
    (run.home / "infisical-keyring").mkdir()
    (run.home / "infisical-keyring" / "a@b.c").write_text(f"{header}.AA.AA.AA.AA")
    started = time.monotonic()
    result = run("service-token", "list", "--projectId", world.project.id)
    assert time.monotonic() - started < 10
    assert result.code == 1 and "key-derivation rounds" in result.stderr


def test_ids_are_never_paths(run: Runner, new_emulator: Emulator, login: dict[str, str]) -> None:
    result = run("service-token", "delete", "../../v1/workspace/x", "--yes", env=login)
    assert result.code == 1 and "No service token with ID" in result.stderr  # looked up in the project's list
    (run.cwd / ".infisical.json").unlink()  # no project: the ID goes to the server directly, if it is one
    result = run("service-token", "delete", "../../v1/workspace/x", "--yes", env=login)
    assert result.code == 1 and "is not a token ID" in result.stderr
    assert not [r for r in new_emulator.requests if r.method == "DELETE"]


# ---------------------------------------------------------------------- interrupts during create


def test_ctrl_c_during_create_says_the_token_may_exist(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    new_emulator.add_fault("latency", method="POST", delay=3)
    process = subprocess.Popen(
        [CLI, "service-token", "create", "-s", "dev:/", "-a", "read"],
        cwd=run.cwd,
        env={**run.env, **login},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(100):
        if new_emulator.requests_to("POST", "/api/v2/service-token"):
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    _clean(out + err)
    assert "may exist" in err and "service-token list" in err


def test_the_magic_refuses_bad_destinations_before_creating(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {**base_env(tmp_path), "INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin)}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("INFISICAL_DOMAIN", new_emulator.url)
    monkeypatch.setenv("INFISICAL_PROJECT_ID", world.project.id)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "infisical_tokens.magics")
    try:
        for extra in ("--env A=B", "--env ''", "--out __builtins__", "--out class", "--out 9x"):
            with pytest.raises(UsageError):
                shell.run_line_magic("infisical", f"service-token create -s dev:/ -a read {extra}")
        assert new_emulator.requests_to("POST", "/api/v2/service-token") == []
        new_emulator.add_fault("latency", method="POST", delay=3)
        signal.setitimer(signal.ITIMER_REAL, 0.8)
        previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        try:
            with pytest.raises(UsageError, match="may exist"):
                shell.run_line_magic("infisical", "service-token create -s dev:/ -a read")
        finally:
            signal.signal(signal.SIGALRM, previous)
    finally:
        shell.run_line_magic("unload_ext", "infisical_tokens.magics")
        InteractiveShell.clear_instance()


# ---------------------------------------------------------------------- the language server


@needs_fifo
async def test_the_server_answers_hostile_documents_and_requests(
    new_emulator: Emulator, world: Seeded, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **base_env(home),
        "INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin),
        "INFISICAL_DOMAIN": new_emulator.url,
    }
    from tests.lsp_harness import link

    link(tmp_path, world.project.id)
    (tmp_path / ".env").mkdir()  # the token file is a folder: nothing may be created
    (tmp_path / ".gitignore").write_text(".env\n")
    client = await start("neovim", tmp_path, env, {"clientHandlesTokens": False})
    session = Session(client, tmp_path, "neovim", new_emulator, world)
    try:
        huge = "infisical service-token create " + "a " * 640_000
        uri = (tmp_path / "huge.sh").as_uri()
        started = time.monotonic()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "shellscript", 1, huge))
        )
        await session.diagnostics(uri, timeout=20)
        assert time.monotonic() - started < 10
        os.mkfifo(tmp_path / "fifo.sh")
        for name in ("fifo.sh", "missing.sh"):
            hover = await client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier((tmp_path / name).as_uri()), types.Position(0, 0))
            )
            assert hover is None
        answer = await session.command(
            "infisical.server.createServiceToken",
            {"uri": (tmp_path / "a.sh").as_uri(), "argv": ["service-token", "create", "-s", "dev:/", "-a", "read"]},
        )
        assert answer["ok"] is False and "is a folder" in answer["message"]
        assert new_emulator.requests_to("POST", "/api/v2/service-token") == []
        new_emulator.add_fault("echo", status=400, times=100)
        refreshed = await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id})
        assert env["INFISICAL_TOKEN"] not in json.dumps(refreshed)
        for message in client.log_messages:
            assert env["INFISICAL_TOKEN"] not in message.message and "Traceback" not in message.message
        assert not TOKEN_RE.search(json.dumps(refreshed))
    finally:
        await client.shutdown_session()


def test_lowercase_log_level(tmp_path: Path) -> None:
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "infisical_tokens.lsp", "--log-level", "debug", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr


def test_a_silent_server_costs_one_timeout_and_sends_nothing(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    new_emulator.add_fault("latency", method="GET", delay=6, times=10)
    started = time.monotonic()
    result = run("service-token", "create", "-s", "dev:/", "-a", "read", env={**login, "INFISICAL_TOKENS_TIMEOUT": "1"})
    assert time.monotonic() - started < 5  # one deadline (2 s), not the lookup's and then the create's
    assert result.code == 1 and "did not answer in time" in result.stderr
    assert new_emulator.requests_to("POST", "/api/v2/service-token") == []


def test_workflow_context_repr_holds_no_credential(tmp_path: Path) -> None:
    from infisical_tokens.core.context import Context

    ctx = Context({"INFISICAL_TOKEN": "eyJsecret.eyJsecret.sig"}, tmp_path, tmp_path)
    assert "eyJsecret" not in repr(ctx)


def tcp_server(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Callable[[], socket.socket]]:
    """The language server with --tcp on a free port of 127.0.0.1, and a way to connect to it once it listens."""
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "infisical_tokens.lsp", "--tcp", "--port", str(port)],
        env=base_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def connect() -> socket.socket:
        for _ in range(100):
            try:
                return socket.create_connection(("127.0.0.1", port), timeout=10)
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server is not listening")

    return server, connect


def test_tcp_mode_survives_a_port_scan(tmp_path: Path) -> None:
    """A client that connects and leaves (a port scan) must not stop a server started with --tcp."""
    server, connect = tcp_server(tmp_path)
    try:
        for _ in range(3):
            connect().close()  # the scan
            time.sleep(0.2)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}).encode()
        with connect() as client:
            client.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            answer = b""
            while b'"result"' not in answer:
                chunk = client.recv(65536)
                assert chunk, "the server closed the connection"
                answer += chunk
        assert b'"capabilities"' in answer and server.poll() is None
    finally:
        server.kill()
        _, err = server.communicate(timeout=10)
    assert b"Traceback" not in err


def test_a_second_tcp_server_on_a_taken_port_says_so_and_leaves_the_first_ones_secret(tmp_path: Path) -> None:
    import sys

    first, connect = tcp_server(tmp_path)
    try:
        with connect() as probe:
            port = probe.getpeername()[1]
        assert first.stderr is not None
        notice = first.stderr.readline().decode()
        secret = Path(notice.split("contents of ")[1].split(" (readable")[0])
        before = secret.read_text()
        second = subprocess.run(
            [sys.executable, "-m", "infisical_tokens.lsp", "--tcp", "--port", str(port)],
            env=base_env(tmp_path / "home"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1 and "Traceback" not in second.stderr, second.stderr
        assert second.stderr.startswith(f"infisical-lsp: cannot listen on 127.0.0.1 port {port}: "), second.stderr
        assert secret.read_text() == before  # the first server's clients can still read what admits them
        assert first.poll() is None
    finally:
        first.kill()
        first.communicate(timeout=10)


# ---------------------------------------------------------------------- issue 17 items 12-14: folder trees and walks

DRY_RUN = ("service-token", "create", "-s", "dev:/**", "-a", "read", "--dry-run")
MALFORMED_TREES = [
    b'{"dev": {"folders": 5}}',
    b'{"dev": {"folders": [{"path": "abc"}]}}',
    b'{"path": 7}',
    b"[]",
    b'{"dev": {"folders": [5, {"path": null}]}}',
    b'{"dev": {"folders": [{"path": "/a//b"}]}}',
    b'{"dev": {"folders": [{"path": ["/a"]}]}}',
]
UNEXPECTED = "the folder tree is not what Infisical sends"
ENDLESS = {  # a server without the tree route that lists a child in every folder: one deep chain, or ever wider
    "deep": b'{"folders": [{"name": "a"}]}',
    "wide": b'{"folders": [{"name": "a"}, {"name": "b"}]}',
}
PARTIAL = "coverage is partial"


def _bad_tree(emulator: Emulator, world: Seeded, body: bytes) -> None:
    emulator.faults.clear()
    tree = f"/api/v1/projects/{world.project.id}/environment-folder-tree"
    emulator.add_fault("body", method="GET", path=tree, status=200, body=body, times=10_000)


def _endless(emulator: Emulator, body: bytes) -> None:
    emulator.faults.clear()
    emulator.add_fault("body", method="GET", path="/api/v1/folders", status=200, body=body, times=100_000)


def _token_for_audit(run: Runner, env: dict[str, str]) -> None:
    """audit reads folders only for tokens' scopes: one token over every folder of dev."""
    assert run("service-token", "create", "-s", "dev:/**", "-a", "read", "--token-only", env=env).code == 0


def _plant_cached_name(home: Path, api_url: str, project_id: str, name: str) -> None:
    """A per-user folder cache holding a name the server never sent (written by anyone who can write there)."""
    import hashlib

    folder = home / ".cache" / "infisical-tokens" / "folders"
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(f"{api_url}\n{project_id}".encode()).hexdigest()[:32]
    now = time.time()
    listings = {"/": {"children": [name], "at": now}, f"/{name}": {"children": [], "at": now}}
    (folder / f"{key}.json").write_text(json.dumps({"listings": {"dev": listings}, "whole": {}}))


def test_a_malformed_folder_tree_is_said_plainly_on_the_command_line(
    run: Runner, new_emulator: Emulator, world: Seeded, login: dict[str, str]
) -> None:
    _token_for_audit(run, login)
    for body in MALFORMED_TREES:
        _bad_tree(new_emulator, world, body)
        shutil.rmtree(run.home / ".cache", ignore_errors=True)  # the create read the good tree: ask the server again
        dry = run(*DRY_RUN, env=login)
        _clean(dry.output)
        assert dry.code == 0 and UNEXPECTED in dry.output and "Folder coverage: unavailable" in dry.stdout, body
        audit = run("service-token", "audit", env=login)
        _clean(audit.output)
        assert audit.code in (0, 1) and "folder checks skipped: GET " in audit.stderr, body
        assert UNEXPECTED in audit.stderr, body
    assert len(new_emulator.requests_to("POST", "/api/v2/service-token")) == 1  # the audit's token, nothing else


def test_a_malformed_folder_tree_is_said_plainly_in_the_magic(
    new_emulator: Emulator,
    world: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import magic_shell

    for shell in magic_shell(new_emulator, world, tmp_path, monkeypatch):
        shell.run_line_magic("infisical", "service-token create -s dev:/** -a read --out tok")
        for body in MALFORMED_TREES:
            _bad_tree(new_emulator, world, body)
            shutil.rmtree(tmp_path / ".cache", ignore_errors=True)  # the create read the good tree: ask again
            capsys.readouterr()
            shell.run_line_magic("infisical", " ".join(DRY_RUN))
            shown = capsys.readouterr()
            _clean(shown.out + shown.err)
            assert UNEXPECTED in shown.out and "Folder coverage: unavailable" in shown.out, body
            shell.run_line_magic("infisical", "service-token audit")
            shown = capsys.readouterr()
            _clean(shown.out + shown.err)
            assert "folder checks skipped" in shown.err and UNEXPECTED in shown.err, body


async def _lsp_session(emulator: Emulator, world: Seeded, tmp_path: Path) -> Session:
    from tests.lsp_harness import link

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**base_env(home), "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}
    link(tmp_path, world.project.id)
    client = await start("visual-studio-code", tmp_path, env, {"clientHandlesTokens": True})
    return Session(client, tmp_path, "visual-studio-code", emulator, world)


async def _scope_hover(session: Session, wanted: str) -> str:
    """The hover over a ``dev:/**`` scope, once the catalog has read its folders (or said why it could not)."""
    text = "infisical service-token create -s dev:/** -a read\n"
    uri = await session.open("hover.sh", "shellscript", text)
    shown = ""
    for _ in range(100):
        hover = await session.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, text.index("/**") + 1))
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        shown = hover.contents.value
        if wanted in shown:
            break
        await asyncio.sleep(0.1)
    return shown


async def _lsp_dry_run(session: Session) -> dict[str, object]:
    argv = ["service-token", "create", "-s", "dev:/**", "-a", "read"]
    answer: dict[str, object] = await session.command(
        "infisical.server.createServiceToken",
        {"uri": (session.root / "a.sh").as_uri(), "argv": argv, "dryRun": True},
    )
    return answer


async def test_a_malformed_folder_tree_is_said_plainly_in_the_editor(
    new_emulator: Emulator, world: Seeded, tmp_path: Path
) -> None:
    session = await _lsp_session(new_emulator, world, tmp_path)
    try:
        for body in MALFORMED_TREES:
            _bad_tree(new_emulator, world, body)
            refreshed = await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id})
            status = await session.command("infisical.server.status", {"uri": (tmp_path / "a.sh").as_uri()})
            for reason in (refreshed.get("reason"), status.get("reason")):
                assert reason is None or ("Error" not in reason and BUG not in reason), (body, reason)
            hover = await _scope_hover(session, UNEXPECTED)
            assert UNEXPECTED in hover, (body, hover)
            answer = await _lsp_dry_run(session)
            assert answer["ok"] is True and "may exist" not in json.dumps(answer), (body, answer)
            assert UNEXPECTED in str(answer["preview"]), (body, answer)
        assert new_emulator.requests_to("POST", "/api/v2/service-token") == []
        for message in session.client.log_messages + session.client.messages:
            assert "Traceback" not in message.message and BUG not in message.message
    finally:
        await session.client.shutdown_session()


def test_escapes_in_cached_folder_names_never_reach_the_terminal(
    run: Runner,
    new_emulator: Emulator,
    world: Seeded,
    login: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import magic_shell

    escapes = b'{"dev": {"folders": [{"path": "/\\u001b[2Jx"}, {"path": "/\\u009b31m"}, {"path": "/ok"}]}}'
    _bad_tree(new_emulator, world, escapes)
    served = run(*DRY_RUN, env=login)
    assert served.code == 0 and "/ok" in served.stdout, served.output  # the tree was read, its odd paths left out
    assert "\x1b" not in served.output and "\x9b" not in served.output
    old = Emulator("old", rate_limit=None).start()  # no tree route: the walk trusts fresh cached listings
    try:
        old_world = seed(old)
        link_project(run.cwd, old_world.project.id)
        env = {"INFISICAL_TOKEN": old.state.issue_jwt(old_world.admin), "INFISICAL_DOMAIN": old.url}
        _plant_cached_name(run.home, old.url + "/api", old_world.project.id, "\x1b[2Jx\x9b31m")
        dry = run(*DRY_RUN, env=env)  # the cache refuses a name that is not printable: read from the server instead
        assert dry.code == 0 and "/backend" in dry.stdout and "Jx" not in dry.stdout, dry.output
        assert "\x1b" not in dry.output and "\x9b" not in dry.output
        magic_home = run.home.parent / "magic"
        magic_home.mkdir()
        _plant_cached_name(magic_home, old.url + "/api", old_world.project.id, "\x1b[2Jx\x9b31m")
        for shell in magic_shell(old, old_world, magic_home, monkeypatch):
            capsys.readouterr()
            shell.run_line_magic("infisical", " ".join(DRY_RUN))
            shown = capsys.readouterr()
            assert "/backend" in shown.out and "Jx" not in shown.out, shown
            assert "\x1b" not in shown.out + shown.err and "\x9b" not in shown.out
    finally:
        old.stop()


async def test_escapes_in_cached_folder_names_never_reach_the_editor(tmp_path: Path) -> None:
    with Emulator("old", rate_limit=None) as old:
        world = seed(old)
        _plant_cached_name(tmp_path / "home", old.url + "/api", world.project.id, "\x1b[2Jx\x9b31m")
        session = await _lsp_session(old, world, tmp_path)
        try:
            hover = await _scope_hover(session, "/backend")  # the cache refused the name; the server was asked
            assert "/backend" in hover and "Jx" not in hover and "\x1b" not in hover and "\x9b" not in hover
            answer = await _lsp_dry_run(session)
            assert "/backend" in str(answer["preview"]) and "\x1b" not in json.dumps(answer, ensure_ascii=False)
        finally:
            await session.client.shutdown_session()


@pytest.mark.parametrize("shape", list(ENDLESS))
def test_an_endless_folder_tree_costs_a_bounded_walk_on_the_command_line(run: Runner, shape: str) -> None:
    with Emulator("old", rate_limit=None) as old:
        world = seed(old)
        link_project(run.cwd, world.project.id)
        env = {"INFISICAL_TOKEN": old.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": old.url}
        _token_for_audit(run, env)
        for argv in (DRY_RUN, ("service-token", "audit")):
            shutil.rmtree(run.home / ".cache", ignore_errors=True)
            _endless(old, ENDLESS[shape])
            old.requests.clear()
            started = time.monotonic()
            result = run(*argv, env=env)
            elapsed = time.monotonic() - started
            reads = len(old.requests_to("GET", "/api/v1/folders"))
            _clean(result.output)
            assert result.code in (0, 1) and elapsed < 30 and reads <= 310, (argv, elapsed, reads)
            assert PARTIAL in result.stderr, result.stderr


def test_an_endless_folder_tree_costs_a_bounded_walk_in_the_magic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import magic_shell

    with Emulator("old", rate_limit=None) as old:
        world = seed(old)
        for shell in magic_shell(old, world, tmp_path, monkeypatch):
            shell.run_line_magic("infisical", "service-token create -s dev:/** -a read --out tok")
            for line in (" ".join(DRY_RUN), "service-token audit"):
                shutil.rmtree(tmp_path / ".cache", ignore_errors=True)
                _endless(old, ENDLESS["wide"])
                old.requests.clear()
                capsys.readouterr()
                shell.run_line_magic("infisical", line)
                shown = capsys.readouterr()
                assert PARTIAL in shown.err and len(old.requests_to("GET", "/api/v1/folders")) <= 310, line


async def test_an_endless_folder_tree_costs_a_bounded_walk_in_the_editor(tmp_path: Path) -> None:
    with Emulator("old", rate_limit=None) as old:
        world = seed(old)
        _endless(old, ENDLESS["wide"])
        session = await _lsp_session(old, world, tmp_path)
        try:
            hover = await _scope_hover(session, PARTIAL)
            assert PARTIAL in hover, hover
            answer = await _lsp_dry_run(session)
            assert answer["ok"] is True and PARTIAL in str(answer["preview"]), answer
            assert len(old.requests_to("GET", "/api/v1/folders")) <= 2 * 310
        finally:
            await session.client.shutdown_session()


# ---------------------------------------------------------------------- issue 17 item 11: every request answered


class RawClient:
    """A JSON-RPC client over the server's stdio that sends exactly the bytes asked for (no client library
    validates them first), and reads every message the server writes."""

    def __init__(self, home: Path) -> None:
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-m", "infisical_tokens.lsp"],
            env=base_env(home),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def send(self, message: dict[str, object]) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def answer(self, request_id: object, timeout: float = 10.0) -> dict[str, object]:
        """The response to ``request_id`` (notifications and other responses are skipped)."""
        import select

        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, left))
            assert ready, f"no answer to request {request_id!r} within {timeout} s"
            length = 0
            while (line := self.process.stdout.readline().strip()) != b"":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(self.process.stdout.read(length))
            if "method" not in message and message.get("id") == request_id:
                return message  # type: ignore[no-any-return]

    def close(self) -> str:
        self.process.kill()
        _, err = self.process.communicate(timeout=10)
        return err.decode(errors="replace")


BAD_POSITIONS: list[object] = [
    {"line": -1, "character": 0},
    {"line": "x", "character": 0},
    {"line": 2**40, "character": 0},
    {"line": 0, "character": -1},
    {"line": 0},
    "x",
    None,
]


def _bad_requests(uri: str) -> list[tuple[str, object]]:
    """Malformed params for every request method the server handles."""
    good_position = {"line": 0, "character": 0}
    bad_documents: list[object] = [{"uri": 5}, {}, "x", None, {"uri": None}]
    found: list[tuple[str, object]] = []
    for method in ("textDocument/hover", "textDocument/completion"):
        found += [(method, {"textDocument": d, "position": good_position}) for d in bad_documents]
        found += [(method, {"textDocument": {"uri": uri}, "position": p}) for p in BAD_POSITIONS]
        found.append((method, None))
    whole = {"start": good_position, "end": good_position}
    action_context: dict[str, object] = {"diagnostics": []}
    found += [
        ("textDocument/codeAction", {"textDocument": d, "range": whole, "context": action_context})
        for d in bad_documents
    ]
    found += [
        ("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": {"start": p, "end": p}, "context": {}})
        for p in BAD_POSITIONS
    ]
    found += [("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": whole, "context": 5})]
    odd_commands: list[object] = [{"command": 5}, {"arguments": 5}, None, "x", []]
    found += [("workspace/executeCommand", p) for p in odd_commands]
    found += [("workspace/executeCommand", {"command": "infisical.server.status", "arguments": {"uri": 5}})]
    found += [("textDocument/documentSymbol", {"textDocument": {"uri": 5}}), ("no/suchMethod", {"x": 1})]
    return found


def test_every_malformed_request_with_an_id_is_answered(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    client = RawClient(home)
    try:
        for number, odd in enumerate(({"capabilities": 5}, {"processId": "x"}, None), start=100):
            client.send({"id": number, "method": "initialize", "params": odd})
            assert client.answer(number)["error"]["code"] == -32602  # type: ignore[index]
        client.send({"id": 0, "method": "initialize", "params": {"capabilities": {}, "processId": None}})
        assert "result" in client.answer(0, timeout=30)
        client.send({"method": "initialized", "params": {}})
        uri = (tmp_path / "a.sh").as_uri()
        text = "infisical service-token create -s dev:/ -a read\n"
        client.send(
            {
                "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": text}},
            }
        )
        unanswered = []
        for number, (method, params) in enumerate(_bad_requests(uri), start=1):
            client.send({"id": number, "method": method, "params": params})
            try:
                answer = client.answer(number)
            except AssertionError:
                unanswered.append((method, params))
                continue
            error = answer.get("error")
            assert "result" in answer or isinstance(error, dict), answer
            if isinstance(error, dict):
                assert "Traceback" not in str(error.get("message")), answer
        for bad in ({"textDocument": {"uri": 5}}, None, {"textDocument": {"uri": uri, "version": "x"}}):
            client.send({"method": "textDocument/didOpen", "params": bad})  # a notification: nothing to answer
        client.send(
            {
                "id": "last",
                "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 36}},
            }
        )
        assert "result" in client.answer("last")  # still serving
    finally:
        stderr = client.close()
    assert unanswered == []
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("bounds", "said", "most"),
    [
        ({"seconds": 1.0}, "the walk stopped after 1 s", 6),
        ({"depth": 5}, "folders more than 5 levels deep were not read", 6),
        ({"requests": 7}, "the walk stopped after 7 folder reads", 7),
    ],
)
def test_each_bound_of_a_walk_holds(tmp_path: Path, bounds: dict[str, float], said: str, most: int) -> None:
    """Each bound on its own, through the HTTP client against a server whose every folder has a child (slow
    ones for the time bound)."""
    from infisical_tokens.core import folders
    from infisical_tokens.core.api import InfisicalClient
    from infisical_tokens.core.needs import Need

    with Emulator("old", rate_limit=None) as old:
        world = seed(old)
        _endless(old, ENDLESS["deep"])
        if "seconds" in bounds:  # a real chain 50 folders deep, each listing taking 0.3 s
            old.faults.clear()
            for depth in range(1, 51):
                old.state.add_folder(world.project, "dev", "/a" * depth)
            old.add_fault("latency", method="GET", path="/api/v1/folders", delay=0.3, times=100)
        with InfisicalClient(old.api_url, old.state.issue_jwt(world.admin)) as client:
            store = folders.FolderStore(client.api_url, world.project.id, tmp_path)
            walk = folders.Bounds(**bounds)  # type: ignore[arg-type]
            result = folders.read(client, world.project.id, [Need("dev", "/")], store, bounds=walk)
        assert result.complete is False and result.note() == f"coverage is partial: {said}"
        assert len(old.requests_to("GET", "/api/v1/folders")) <= most


# --- issue 17 item 15: a poisoned folder cache is validated, ignored and rewritten; the cache is private


def _planted(at: object, children: list[str] | None = None) -> str:
    """A cache file listing ``children`` (a planted folder) under dev's ``/``, with ``at`` written as given."""
    return '{"listings": {"dev": {"/": {"children": %s, "at": %s}}}, "whole": {}}' % (  # noqa: UP031
        json.dumps(children or ["planted"]),
        at,
    )


POISONS: dict[str, str | bytes] = {
    "at 1e400": _planted("1e400"),
    "at Infinity": _planted("Infinity"),
    "at NaN": _planted("NaN"),
    "at tomorrow": _planted(time.time() + 86_400),
    "at 10**400": _planted("1" + "0" * 400),
    "nested [ x 100,000": "[" * 100_000,
    "a list": "[1, 2]",
    "a name with a slash": _planted(time.time(), ["plan/ted"]),
    "/ with 300,000 children": _planted(time.time(), [f"planted{i}" for i in range(300_000)]),
    "9 MB of blanks": b" " * (9 * 1024 * 1024) + _planted(time.time()).encode(),
    "not UTF-8": _planted(time.time()).encode().replace(b"planted", b"planted\xff"),
}


def _cache_folder(home: Path) -> Path:
    return home / ".cache" / "infisical-tokens" / "folders"


def _cache_file(home: Path) -> Path:
    found = [p for p in _cache_folder(home).glob("*.json") if not p.name.startswith("budget-")]
    assert len(found) == 1, found
    return found[0]


def _plant(path: Path, poison: str | bytes) -> None:
    path.unlink(missing_ok=True)
    path.write_bytes(poison if isinstance(poison, bytes) else poison.encode())


def _assert_private_and_clean(home: Path, path: Path) -> None:
    """The poison was rewritten away: a regular, private file holding valid JSON with nothing planted."""
    import stat

    assert not path.is_symlink() and stat.S_ISREG(path.lstat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (_cache_folder(home), _cache_folder(home).parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "planted" not in json.dumps(data) and isinstance(data["listings"], dict)
    assert not list(path.parent.glob("*.tmp")) and not list(path.parent.glob(".*.tmp"))


def test_a_poisoned_folder_cache_in_the_dry_run_and_audit(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    created = run("service-token", "create", "-s", "dev:/planted/**", "-a", "read", "-n", "p", env=login)
    assert created.code == 0
    dry = ("service-token", "create", "-s", "dev:/**", "-a", "read", "--dry-run")
    assert run(*dry, env=login).code == 0
    cache = _cache_file(run.home)
    for name, poison in POISONS.items():
        for argv in (dry, ("service-token", "audit", "--json", "--fail-on", "never")):
            _plant(cache, poison)
            started = time.monotonic()
            result = run(*argv, env=login)
            assert time.monotonic() - started < 20, name
            assert result.code == 0, (name, result.output[-500:])
            _clean(result.output)
            assert "/planted" not in result.stdout.replace("dev:/planted/**", ""), (name, argv[1])
            if argv[1] == "audit":
                codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
                assert "token-scope-no-folder" in codes, name  # the planted folder was not believed
            _assert_private_and_clean(run.home, cache)
    assert len([r for r in new_emulator.requests if r.path == "/api/v1/folders"]) < 10  # never a walk of 300,000


@needs_fifo
def test_the_folder_cache_is_private_and_never_written_through_a_planted_link(
    run: Runner, login: dict[str, str], tmp_path: Path
) -> None:
    dry = ("service-token", "create", "-s", "dev:/**", "-a", "read", "--dry-run")
    assert run(*dry, env=login).code == 0
    cache = _cache_file(run.home)
    folder = _cache_folder(run.home)
    cache.chmod(0o644)
    folder.chmod(0o755)
    folder.parent.chmod(0o755)  # as round one left them: other accounts could read a project's folder names
    assert run(*dry, env=login).code == 0
    _assert_private_and_clean(run.home, cache)
    victim = tmp_path / "victim.json"
    victim.write_text(_planted(time.time()))
    before = victim.read_text()
    cache.unlink()
    cache.symlink_to(victim)  # read through it, the planted folder would show; written through, the victim changes
    result = run(*dry, env=login)
    assert result.code == 0 and "/planted" not in result.stdout
    assert victim.read_text() == before
    _assert_private_and_clean(run.home, cache)
    cache.unlink()
    os.mkfifo(cache)  # reading a FIFO would block forever
    started = time.monotonic()
    result = run(*dry, env=login)
    assert result.code == 0 and time.monotonic() - started < 20
    _assert_private_and_clean(run.home, cache)


def test_a_poisoned_folder_cache_in_the_magic(
    new_emulator: Emulator,
    world: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import magic_shell

    shells = magic_shell(new_emulator, world, tmp_path, monkeypatch)
    shell = next(shells)
    try:
        dry = "service-token create -s dev:/** -a read --dry-run"
        shell.run_line_magic("infisical", dry)
        cache = _cache_file(tmp_path)
        capsys.readouterr()
        for name, poison in POISONS.items():
            _plant(cache, poison)
            shell.run_line_magic("infisical", dry)
            shown = capsys.readouterr()
            _clean(shown.out + shown.err)
            assert "dev:/**: /, /backend" in shown.out and "/planted" not in shown.out, name
            _assert_private_and_clean(tmp_path, cache)
    finally:
        next(shells, None)


@pytest.mark.parametrize("name", ["at 1e400", "at Infinity", "nested [ x 100,000", "/ with 300,000 children"])
async def test_a_poisoned_folder_cache_in_the_language_server(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, name: str
) -> None:
    from tests.lsp_harness import link

    home = tmp_path / "home"
    folder = _cache_folder(home)
    folder.mkdir(parents=True)
    # the file a first run would have written: its name is the cache key, seen from the outside
    probe = Runner(home, tmp_path, base_env(home))
    link(tmp_path, world.project.id)
    login = {"INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": new_emulator.url}
    assert probe("service-token", "create", "-s", "dev:/", "-a", "read", "--dry-run", env=login).code == 0
    cache = _cache_file(home)
    _plant(cache, POISONS[name])
    client = await start("visual-studio-code", tmp_path, {**base_env(home), **login}, {"clientHandlesTokens": True})
    session = Session(client, tmp_path, "visual-studio-code", new_emulator, world)
    try:
        uri = await session.open(
            "deploy.sh", "shellscript", "infisical service-token create -s dev:/planted/** -a read\n"
        )
        found: list[types.Diagnostic] = []
        for _ in range(200):
            found = list(client.diagnostics.get(uri, []))
            if any(d.code == "scope-no-folder" for d in found):
                break
            await asyncio.sleep(0.05)
        assert [d.code for d in found] == ["scope-no-folder"], name  # the planted folder was not believed
        listed = await session.command(
            "infisical.server.listFolders", {"projectId": world.project.id, "environment": "dev"}
        )
        assert "/backend" in listed["folders"] and not [f for f in listed["folders"] if "planted" in f]
        status = await session.command("infisical.server.status", {"uri": uri})
        assert status["online"] is True and status["reason"] is None, status
        for message in client.log_messages:
            assert "Error" not in message.message and BUG not in message.message, message.message
        _assert_private_and_clean(home, cache)
    finally:
        await client.shutdown_session()


# --- issue 17 item 18: a spent read budget is shared between processes, and told where the user looks


def _folder_reads(emulator: Emulator) -> int:
    return len([r for r in emulator.requests if r.path == "/api/v1/folders"])


async def test_a_spent_read_budget_is_shared_between_processes_and_told_in_the_status(run: Runner) -> None:
    with Emulator("old", rate_limit=8, rate_window=300) as old:  # a 2024 server: 8 reads per route, then 500s
        world = seed(old)
        sixteen = [f"/backend/s{i}" for i in range(12)] + ["/frontend/web", "/frontend/mobile"]
        project = old.state.add_project("Sixteen", [("Development", "dev"), ("Production", "prod")], {"dev": sixteen})
        old.state.users[world.admin.id].roles[project.id] = "admin"
        link_project(run.cwd, project.id)
        login = {"INFISICAL_TOKEN": old.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": old.url}
        dry = ("service-token", "create", "-s", "dev:/**", "-a", "read", "--dry-run")
        first = run(*dry, env=login)
        assert first.code == 0 and "rate-limited by the server" in first.output
        assert _folder_reads(old) == 6  # two reads of the budget kept for the person's own next action
        for attempt in range(3):  # later processes learn the budget is spent from the cache, not from a refusal
            later = run(*dry, env=login)
            assert later.code == 0 and "rate-limited by the server" in later.output, (attempt, later.output)
        assert _folder_reads(old) == 6
        changes: list[Any] = []
        client = await start(
            "visual-studio-code",
            run.cwd,
            {**base_env(run.home), **login},
            {"clientHandlesTokens": True},
            notifications={"infisical/statusChanged": changes},
        )
        try:
            session = Session(client, run.cwd, "visual-studio-code", old, world)
            for _ in range(200):
                if any(c.reason and c.reason.startswith("rate-limited by the server") for c in changes):
                    break
                await asyncio.sleep(0.05)
            assert [(c.online, (c.reason or "")[:26]) for c in changes] == [(True, "rate-limited by the server")]
            uri = (run.cwd / "deploy.sh").as_uri()
            status = await session.command("infisical.server.status", {"uri": uri})
            assert status["online"] is True and status["reason"].startswith("rate-limited by the server"), status
            listed = await session.command(
                "infisical.server.listFolders", {"projectId": project.id, "environment": "dev"}
            )
            assert "/backend" in listed["folders"] and listed["reason"].startswith("rate-limited by the server")
            assert _folder_reads(old) == 6  # the language server, a later process too, spent no refused read
        finally:
            await client.shutdown_session()


# --- issue 17 item 19: `check` fails what it cannot check because it is not there, and project files the CLI refuses


@pytest.mark.parametrize(
    ("paths", "named", "checked"),
    [(["missing.sh"], ["missing.sh"], 0), (["nope/"], ["nope"], 0), (["ok.sh", "typo.sh"], ["typo.sh"], 1)],
)
@pytest.mark.parametrize("in_git", [False, True], ids=["plain folder", "git repository"])
def test_check_fails_on_paths_that_do_not_exist(
    run: Runner, paths: list[str], named: list[str], checked: int, in_git: bool
) -> None:
    (run.cwd / "ok.sh").write_text("infisical service-token create -s dev:/ -a read\n")
    if in_git:
        subprocess.run(["git", "init", "-q", str(run.cwd)], check=True)
    for form in ([], ["--format", "json"], ["--format", "github"]):
        result = run("check", *form, *paths)
        assert result.code == 1, (paths, form, result.output)
        for name in named:
            assert f"{name} was not checked: no such file or folder" in result.stderr
    assert f"in {checked} file(s) checked" in run("check", *paths).stderr
    assert run("check", "ok.sh").code == 0  # what exists and is clean still passes


def test_check_refuses_a_project_file_that_is_not_utf8(run: Runner) -> None:
    (run.cwd / ".infisical.json").write_bytes(b'{"workspaceId": "caf\xe9"}')
    refused = run("service-token", "create", "-s", "dev:/", "-a", "read", "--dry-run")
    assert refused.code == 1 and "Cannot read" in refused.stderr  # the command line refuses it ...
    for argv in (["check"], ["check", ".infisical.json"], ["check", "--format", "github", ".infisical.json"]):
        result = run(*argv)  # ... and so does check, also as the pre-commit hook runs it (with the file names)
        assert result.code == 1, (argv, result.output)
        assert "json-invalid" in result.stdout and "not UTF-8 text (byte 0xe9 at offset 20)" in result.stdout
    assert ".infisical.json:1:21: error json-invalid" in run("check").stdout
    subprocess.run(["git", "init", "-q", str(run.cwd)], check=True)
    assert run("check").code == 1  # git's file list (which calls such a file binary) does not skip it
