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


# --- issue 17 item 1: infisical-lsp --tcp lets any local account use the owner's login

CLIENT = r"""
import json, socket, sys

port, root, options, secret_path, calls = sys.argv[1:6]
out = {}
try:
    with open(secret_path) as handle:
        out["secret"] = handle.read()
except OSError as err:
    out["secret"] = type(err).__name__
sock = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
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
            raise SystemExit("the server closed the connection")
        buffer += chunk


def call(number, method, params):
    send({"jsonrpc": "2.0", "id": number, "method": method, "params": params})
    while True:
        message = receive()
        if "method" not in message and message.get("id") == number:
            return message.get("result", message.get("error"))
        if "method" in message and "id" in message:
            send({"jsonrpc": "2.0", "id": message["id"], "result": None})


call(1, "initialize", {"processId": None, "rootUri": root, "capabilities": {}, "initializationOptions": json.loads(options)})
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
out["answers"] = [
    call(number, "workspace/executeCommand", {"command": name, "arguments": [argument]})
    for number, (name, argument) in enumerate(json.loads(calls), start=2)
]
sock.close()
print(json.dumps(out))
"""


@pytest.fixture
def other_account() -> Iterator[str]:
    """A throwaway second account on this machine (tests run as root; elsewhere the test is skipped)."""
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None:
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


def _client(
    port: int, root: Path, options: dict[str, Any], secret_path: Path, calls: list[Any], user: str | None
) -> Any:
    """Run the raw JSON-RPC client (the system Python, no venv), as ``user`` when given."""
    args = ["/usr/bin/python3", "-c", CLIENT, str(port), root.as_uri(), json.dumps(options), str(secret_path)]
    prefix = ["runuser", "-u", user, "--"] if user else []
    proc = subprocess.run([*prefix, *args, json.dumps(calls)], capture_output=True, text=True, timeout=120, cwd="/")
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
        existing = run(
            "service-token", "create", "-s", "dev:/", "-a", "read", "--token-only",
            env={"INFISICAL_TOKEN": jwt, "INFISICAL_DOMAIN": new_emulator.url, "INFISICAL_PROJECT_ID": world.project.id},
        )  # fmt: skip
        assert existing.code == 0
        token_id = existing.stdout.strip().split(".")[1]
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

            owner_secret = secret_path.read_text()
            mine = _client(
                port, work, {"clientHandlesTokens": True, "tcpSecret": owner_secret}, secret_path, calls[:1], None
            )
            assert mine["answers"][0]["ok"] is True
            assert token_id in [t["id"] for t in mine["answers"][0]["tokens"]]
            assert {r.headers.get("authorization") for r in new_emulator.requests} == {f"Bearer {jwt}"}
            assert new_emulator.requests_to("POST", "/api/v2/service-token") == []
            assert server.poll() is None
        finally:
            server.terminate()
            _, err = server.communicate(timeout=20)
        _clean(err, jwt)
    finally:
        shutil.rmtree(top, ignore_errors=True)
