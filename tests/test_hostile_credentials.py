"""Issue 17, items 1, 3, 4 and 9: nobody else may use the owner's login, a held token goes only where the login
is, a password in a URL is never printed, and a held token that cannot be one is refused clearly. Each case
runs through every face it concerns: the installed CLI, the magic in IPython, the language server (over stdio,
and over TCP as a second account), and ``check --online``."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner, base_env, link_project
from tests.emulator import Emulator, Seeded, seed
from tests.emulator.login import write_config, write_file_vault

BUG = "This is a bug"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def world(new_emulator: Emulator) -> Seeded:
    return seed(new_emulator)


def _clean(output: str, *secrets_: str) -> None:
    assert BUG not in output and "Traceback" not in output, output
    for secret in secrets_:
        assert secret not in output, f"{secret!r} reached the output"


def _cli_login(home: Path, world: Seeded, jwt: str, domain: str) -> dict[str, str]:
    """What ``infisical login`` leaves (config and file vault), and the variable that unlocks the vault."""
    write_config(home, world.admin.email, domain, vaultBackendType="file")
    write_file_vault(home, world.admin.email, jwt, PASSPHRASE)
    return {"INFISICAL_VAULT_FILE_PASSPHRASE": PASSPHRASE}


def _service_token(run: Runner, emulator: Emulator, world: Seeded) -> str:
    """A fresh read-only token for dev:/, created as the admin."""
    login = {"INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}
    argv = ["service-token", "create", "-s", "dev:/", "-a", "read", "--token-only", "--projectId", world.project.id]
    created = run(*argv, env=login)
    assert created.code == 0, created.stderr
    return created.stdout.strip()


# --- issue 17 item 1: infisical-lsp --tcp lets any local account use the owner's login

CLIENT = r"""
import json, socket, sys, time

port, root, options, secret_path, calls, hold = (sys.argv[1:] + [""])[:6]
out = {}
try:
    with open(secret_path) as handle:
        out["secret"] = handle.read()
except OSError as err:
    out["secret"] = type(err).__name__
# between two sessions the server opens its port anew: a client that comes in that moment is refused, and an
# editor reconnecting tries again, as this one does for up to five seconds
for attempt in range(50):
    try:
        sock = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
        break
    except ConnectionRefusedError:
        if attempt == 49:
            raise
        time.sleep(0.1)
buffer = b""


def send(message):
    body = json.dumps(message).encode()
    sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def receive():
    global buffer
    while True:
        head, sep, rest = buffer.partition(b"\r\n\r\n")
        if sep:
            fields = dict(line.split(b":", 1) for line in head.split(b"\r\n"))
            length = int(fields[b"Content-Length"])
            if len(rest) >= length:
                buffer = rest[length:]
                return json.loads(rest[:length])
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buffer += chunk


def call(number, method, params):
    send({"jsonrpc": "2.0", "id": number, "method": method, "params": params})
    while True:
        message = receive()
        if "method" not in message and message.get("id") == number:
            return message.get("result", message.get("error"))
        if "method" in message and "id" in message:
            send({"jsonrpc": "2.0", "id": message["id"], "result": None})


try:
    if json.loads(options) is not None:  # null: straight to the commands, never initialized
        initialize = {"processId": None, "rootUri": root, "capabilities": {}, "initializationOptions": json.loads(options)}
        call(1, "initialize", initialize)
        send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    if hold:  # keep the session open until told to go on
        print("ready", flush=True)
        sys.stdin.readline()
    out["answers"] = [
        call(number, "workspace/executeCommand", {"command": name, "arguments": [argument]})
        for number, (name, argument) in enumerate(json.loads(calls), start=2)
    ]
except (ConnectionError, OSError):
    out["closed"] = True
sock.close()
print(json.dumps(out))
"""


@pytest.fixture
def other_account() -> Iterator[str]:
    """A throwaway second account on this machine (tests run as root; elsewhere the test is skipped)."""
    if shutil.which("useradd") is None or shutil.which("runuser") is None or os.geteuid() != 0:  # Linux only
        pytest.skip("needs root with useradd and runuser to create a second account")
    name = f"infisical-tcp-{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _client_argv(
    port: int, root: Path, options: dict[str, Any] | None, secret_path: Path, calls: list[Any]
) -> list[str]:
    """The raw JSON-RPC client, on the system Python (another account cannot be assumed to reach the venv)."""
    return [
        "/usr/bin/python3",
        "-c",
        CLIENT,
        str(port),
        root.as_uri(),
        json.dumps(options),
        str(secret_path),
        json.dumps(calls),
    ]


def _client(
    port: int, root: Path, options: dict[str, Any] | None, secret_path: Path, calls: list[Any], user: str | None
) -> Any:
    """One session of the raw client, as ``user`` when given; what it saw."""
    prefix = ["runuser", "-u", user, "--"] if user else []
    argv = [*prefix, *_client_argv(port, root, options, secret_path, calls)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd="/")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("login_kind", ["INFISICAL_TOKEN", "CLI login"])
def test_another_account_cannot_use_the_owners_login_over_tcp(
    new_emulator: Emulator, world: Seeded, other_account: str, run: Runner, login_kind: str
) -> None:
    # a home and a workspace any account may enter: only the secret's own 0700 folder and 0600 file protect it
    top = Path(tempfile.mkdtemp(prefix="infisical-tcp-"))
    try:
        top.chmod(0o755)
        home, work = top / "home", top / "work"
        home.mkdir(mode=0o755)
        work.mkdir(mode=0o755)
        link_project(work, world.project.id)
        jwt = new_emulator.state.issue_jwt(world.admin)
        env = {**base_env(home), "INFISICAL_PROJECT_ID": world.project.id}
        if login_kind == "INFISICAL_TOKEN":
            env.update({"INFISICAL_TOKEN": jwt, "INFISICAL_DOMAIN": new_emulator.url})
        else:
            env.update(_cli_login(home, world, jwt, new_emulator.url))
        token_id = _service_token(run, new_emulator, world).split(".")[1]
        new_emulator.requests.clear()

        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "infisical_tokens.lsp", "--tcp", "--port", str(port)],
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stderr is not None
            notice = server.stderr.readline()
            assert "tcpSecret" in notice, notice
            secret_path = Path(notice.split("contents of ")[1].split(" (readable")[0])
            info, folder = secret_path.stat(), secret_path.parent.stat()
            assert stat.S_IMODE(info.st_mode) == 0o600 and stat.S_IMODE(folder.st_mode) == 0o700
            assert info.st_uid == 0 and folder.st_uid == 0
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
                    break
                time.sleep(0.1)

            project = {"projectId": world.project.id}
            calls = [
                ["infisical.server.listTokens", project],
                [
                    "infisical.server.createServiceToken",
                    {**project, "scopes": ["prod:/**"], "accessLevels": ["read", "write"], "expirySeconds": 0},
                ],
                ["infisical.server.rotateServiceToken", {**project, "tokenId": token_id}],
                ["infisical.server.deleteServiceToken", {**project, "tokenId": token_id}],
                ["infisical.server.auditServiceTokens", project],
                ["infisical.server.refreshCatalog", project],
                ["infisical.server.status", {"uri": (work / "a.sh").as_uri()}],
                ["infisical.server.listProjects", {}],
                ["infisical.server.listEnvironments", project],
                ["infisical.server.listFolders", {**project, "environment": "dev"}],
            ]
            for options in ({"clientHandlesTokens": True}, {"clientHandlesTokens": True, "tcpSecret": "guess"}):
                seen = _client(port, work, options, secret_path, calls, other_account)
                assert seen["secret"] == "PermissionError"  # the other account cannot read the secret
                listed, created, rotated, deleted, audited, refreshed, status, projects, envs, folders = seen["answers"]
                for answer in (listed, created, rotated, deleted, audited):
                    assert answer["ok"] is False and "did not present its secret" in answer["message"], answer
                assert refreshed["online"] is False
                assert status["online"] is False and "did not present its secret" in status["reason"]
                assert projects["projects"] == [] and envs["environments"] == [] and folders["folders"] == []
                assert jwt not in json.dumps(seen) and token_id not in json.dumps(listed)
                assert new_emulator.requests == []  # the owner's login was never used for them

            if login_kind == "INFISICAL_TOKEN":  # a client that never initializes is refused too
                bare = _client(port, work, None, secret_path, calls[:1], other_account)["answers"][0]
                assert bare["code"] == -32002, bare  # ServerNotInitialized, before any credential is looked at
                assert new_emulator.requests == []

            owner_secret = secret_path.read_text()
            mine = _client(
                port, work, {"clientHandlesTokens": True, "tcpSecret": owner_secret}, secret_path, calls[:1], None
            )
            assert mine["answers"][0]["ok"] is True
            assert token_id in [t["id"] for t in mine["answers"][0]["tokens"]]
            assert {r.headers.get("authorization") for r in new_emulator.requests} == {f"Bearer {jwt}"}
            assert new_emulator.requests_to("POST", "/api/v2/service-token") == []

            # while the owner's admitted session is open, another account's connection must not ride on it
            admitted = {"clientHandlesTokens": True, "tcpSecret": owner_secret}
            owner = subprocess.Popen(
                [*_client_argv(port, work, admitted, secret_path, calls[:1]), "hold"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"

            def listings() -> int:
                return sum(r.path.endswith("/service-token-data") for r in new_emulator.requests)

            before = listings()
            intruder = _client(port, work, {"clientHandlesTokens": True}, secret_path, calls[:2], other_account)
            assert intruder.get("closed") is True and "answers" not in intruder
            assert listings() == before  # the owner's session reads folders meanwhile; nobody listed tokens
            still, _ = owner.communicate("go\n", timeout=60)
            assert json.loads(still)["answers"][0]["ok"] is True
            assert new_emulator.requests_to("POST", "/api/v2/service-token") == []
            assert server.poll() is None
        finally:
            server.terminate()
            _, err = server.communicate(timeout=20)
        _clean(err, jwt)
        assert not secret_path.exists()  # a stopped server leaves no secret behind
    finally:
        shutil.rmtree(top, ignore_errors=True)


# --- issue 17 item 3: a held service token goes to the login's instance, never to Infisical Cloud by default

# nothing may leave this machine: Infisical Cloud is reachable only through a proxy that refuses
NO_CLOUD = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}


def _token_reads(emulator: Emulator) -> set[str]:
    return {r.headers.get("authorization", "") for r in emulator.requests_to("GET", "/api/v2/service-token")}


def test_a_held_token_goes_to_the_login_instance_from_the_cli(
    run: Runner, new_emulator: Emulator, world: Seeded
) -> None:
    token = _service_token(run, new_emulator, world)
    bearer = "Bearer " + ".".join(token.split(".")[:3])
    # logged in (self-hosted) to the emulator: the config alone says where; the login's vault is not even needed
    write_config(run.home, world.admin.email, new_emulator.url)
    with Emulator("new") as repository:
        link_project(run.cwd, world.project.id, domain=repository.url)
        for args, env, stdin in (
            (["view", "-"], NO_CLOUD, token),
            (["view"], {**NO_CLOUD, "INFISICAL_TOKEN": token}, ""),
        ):
            new_emulator.requests.clear()
            result = run("service-token", *args, env=env, stdin=stdin)
            assert result.code == 0 and "Name:" in result.stdout, result.stderr
            _clean(result.output, token)
            assert _token_reads(new_emulator) == {bearer}
        assert repository.requests == []


def test_a_held_token_goes_to_the_login_instance_from_the_magic(
    run: Runner, new_emulator: Emulator, world: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    token = _service_token(run, new_emulator, world)
    write_config(run.home, world.admin.email, new_emulator.url)
    for key, value in {**base_env(run.home), **NO_CLOUD, "INFISICAL_TOKEN": token}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(run.cwd)
    new_emulator.requests.clear()
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "infisical_tokens.magics")
    try:
        details = shell.run_line_magic("infisical", "service-token view")
        assert token.split(".")[1] in repr(details) or details is not None
        assert _token_reads(new_emulator) == {"Bearer " + ".".join(token.split(".")[:3])}
    finally:
        shell.run_line_magic("unload_ext", "infisical_tokens.magics")
        InteractiveShell.clear_instance()


# --- issue 17 item 4: a password in the login's domain or in --domain is refused and never printed

PASSWORD = "hunter2secret"
BAD_DOMAINS = [
    f"http://u:{PASSWORD}@127.0.0.1:{{port}}",
    f"http://127.0.0.1:{{port}}#@u:{PASSWORD}",
    f"http://127.0.0.1:{{port}}?p={PASSWORD}",
    f"http://127.0.0.1:{{port}}/#{PASSWORD}",
]


def _port(emulator: Emulator) -> str:
    return emulator.url.rsplit(":", 1)[1]


@pytest.mark.parametrize("template", BAD_DOMAINS, ids=["login", "fragment-login", "query", "fragment"])
def test_a_password_in_the_logins_domain_is_refused_in_the_cli(
    run: Runner, new_emulator: Emulator, world: Seeded, template: str
) -> None:
    domain = template.format(port=_port(new_emulator))
    env = _cli_login(run.home, world, new_emulator.state.issue_jwt(world.admin), domain)
    link_project(run.cwd, world.project.id)
    (run.cwd / "a.sh").write_text("infisical service-token create -s dev:/ -a read\n")
    for argv, stdin in (
        (["service-token", "list"], ""),
        (["service-token", "create", "-s", "dev:/", "-a", "read"], ""),
        (["service-token", "view", "-"], "st.a.b.c"),
        (["check", "--online"], ""),
    ):
        result = run(*argv, env=env, stdin=stdin)
        assert result.code == 1, result.output
        assert "LoggedInUserDomain" in result.stderr, result.stderr
        _clean(result.output, PASSWORD)
    assert new_emulator.requests == []


@pytest.mark.parametrize("template", BAD_DOMAINS, ids=["login", "fragment-login", "query", "fragment"])
def test_a_password_in_domain_is_refused_in_the_cli(
    run: Runner, new_emulator: Emulator, world: Seeded, template: str
) -> None:
    domain = template.format(port=_port(new_emulator))
    link_project(run.cwd, world.project.id)
    login = {"INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin)}
    for argv, env, stdin in (
        (["service-token", "list", "--domain", domain], login, ""),
        (["service-token", "view", "-", "--domain", domain], {}, "st.a.b.c"),
        (["check", "--online", "--domain", domain], login, ""),
        (["service-token", "list"], {**login, "INFISICAL_DOMAIN": domain}, ""),
    ):
        result = run(*argv, env=env, stdin=stdin)
        assert result.code == 1 and ("--domain" in result.stderr or "INFISICAL_DOMAIN" in result.stderr), result.output
        _clean(result.output, PASSWORD)
    assert new_emulator.requests == []


def test_a_password_in_a_domain_is_refused_in_the_magic(
    run: Runner, new_emulator: Emulator, world: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    domains = [t.format(port=_port(new_emulator)) for t in BAD_DOMAINS]
    env = _cli_login(run.home, world, new_emulator.state.issue_jwt(world.admin), domains[0])
    for key, value in {**base_env(run.home), **env, "INFISICAL_PROJECT_ID": world.project.id}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(run.cwd)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "infisical_tokens.magics")
    try:
        messages = []
        for line in ("service-token list", "check --online ."):  # the login's own domain
            with pytest.raises(UsageError) as caught:
                shell.run_line_magic("infisical", line)
            messages.append((str(caught.value), "LoggedInUserDomain"))
        for domain in domains:  # a domain chosen in the notebook: a flag, or the magic's setting
            monkeypatch.setenv("INFISICAL_TOKEN", "st.a.b.c")
            with pytest.raises(UsageError) as caught:
                shell.run_line_magic("infisical", f"service-token view --domain '{domain}'")
            messages.append((str(caught.value), "--domain"))
            shell.run_line_magic("config", f"InfisicalMagics.api_url = {domain!r}")  # refused when set
            with capture_output() as shown:
                shell.run_line_magic("config", "InfisicalMagics")
            assert PASSWORD not in shown.stdout and "Current: None" in shown.stdout
            with pytest.raises(UsageError) as caught:
                shell.run_line_magic("infisical", "service-token view")
            messages.append((str(caught.value), "LoggedInUserDomain"))  # so the login's domain, refused too
            monkeypatch.delenv("INFISICAL_TOKEN")
            shell.run_line_magic("config", "InfisicalMagics.api_url = None")
        for message, where in messages:
            assert where in message, message
            _clean(message, PASSWORD)
    finally:
        shell.run_line_magic("unload_ext", "infisical_tokens.magics")
        InteractiveShell.clear_instance()
    assert new_emulator.requests == []


@pytest.mark.parametrize("where", ["login", "setting"])
async def test_a_password_in_a_domain_is_refused_by_the_language_server(
    run: Runner, new_emulator: Emulator, world: Seeded, where: str
) -> None:
    from tests.lsp_harness import Session, start

    domain = BAD_DOMAINS[0 if where == "login" else 1].format(port=_port(new_emulator))
    jwt = new_emulator.state.issue_jwt(world.admin)
    env = {**base_env(run.home), **_cli_login(run.home, world, jwt, domain if where == "login" else new_emulator.url)}
    link_project(run.cwd, world.project.id)
    options = {"clientHandlesTokens": True, **({"apiUrl": domain} if where == "setting" else {})}
    client = await start("visual-studio-code", run.cwd, env, options)
    session = Session(client, run.cwd, "visual-studio-code", new_emulator, world)
    try:
        uri = (run.cwd / "a.sh").as_uri()
        status = await session.command("infisical.server.status", {"uri": uri})
        listed = await session.command("infisical.server.listTokens", {"uri": uri})
        created = await session.command(
            "infisical.server.createServiceToken", {"uri": uri, "scopes": ["dev:/"], "accessLevels": ["read"]}
        )
        said = [status["reason"], listed["message"], created["message"]]
        said += [m.message for m in client.log_messages] + [m.message for m in client.messages]
        expected = "LoggedInUserDomain" if where == "login" else "infisical.apiUrl"
        assert status["online"] is False and expected in status["reason"], status
        for text in said:
            _clean(text or "", PASSWORD)
    finally:
        await client.shutdown_session()
    assert new_emulator.requests == []


# --- issue 17 item 9: a held token with a line break, or endless standard input, is refused clearly


@pytest.mark.parametrize("bad", ["st.a.b\rc", "st.a.b\nX-Evil: 1", "st.a.\x1bb.c"])
def test_a_held_token_with_a_line_break_is_refused_in_the_cli(run: Runner, bad: str) -> None:
    for args, env, stdin in ((["view", "-"], {}, bad + "\n"), (["view"], {"INFISICAL_TOKEN": bad}, "")):
        result = run("service-token", *args, env={**NO_CLOUD, **env}, stdin=stdin)
        assert result.code == 1 and "holds a line break, a control character" in result.stderr, result.output
        _clean(result.output, bad)


def test_view_reads_a_bounded_amount_of_standard_input(run: Runner) -> None:
    for source in ("/dev/zero", "/dev/urandom"):
        with open(source, "rb") as endless:
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-m", "infisical_tokens.core.cli", "service-token", "view", "-"],
                stdin=endless,
                capture_output=True,
                text=True,
                env=run.env,
                timeout=60,
            )
        assert time.monotonic() - started < 30
        assert proc.returncode == 1, proc.stderr
        assert "standard input" in proc.stderr.lower() and len(proc.stderr) < 500, proc.stderr
        _clean(proc.stderr)


@pytest.mark.parametrize("bad", ["st.a.b\rc", "st.a.b\nX-Evil: 1"])
def test_a_held_token_with_a_line_break_is_refused_in_the_magic(
    run: Runner, bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    for key, value in {**base_env(run.home), "INFISICAL_TOKEN": bad}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(run.cwd)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "infisical_tokens.magics")
    try:
        with pytest.raises(UsageError, match="holds a line break, a control character") as caught:
            shell.run_line_magic("infisical", "service-token view")
        _clean(str(caught.value), bad)
    finally:
        shell.run_line_magic("unload_ext", "infisical_tokens.magics")
        InteractiveShell.clear_instance()
