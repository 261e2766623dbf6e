"""Issue 17, items 5, 6, 7, 8, 16 and 17: never lose a token, and rotate tells the truth.

Whatever goes wrong after a create request has left (an odd 2xx, a 5xx or gateway timeout after the server acted, a
dropped connection, an output that cannot take the token, a cancel, an interrupt), every face either hands the
token over or says that it may exist and how to find and delete it. Each case runs through the real interfaces:
the installed CLI as a subprocess, the language server over stdio, the magic in a real kernel.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import CLI, TOKEN_RE, Runner, base_env, link_project, needs_dev_full, needs_fifo
from tests.emulator import Emulator, Seeded, seed
from tests.emulator.state import now_iso
from tests.lsp_harness import Session, link, start

CREATE = "infisical.server.createServiceToken"
ROTATE = "infisical.server.rotateServiceToken"
POST = "/api/v2/service-token"
ARGV = ["service-token", "create", "-s", "dev:/", "-a", "read"]


@pytest.fixture
def world(new_emulator: Emulator, run: Runner) -> Seeded:
    """The demo world on a 2026 server, linked to the command line's working folder."""
    seeded = seed(new_emulator)
    link_project(run.cwd, seeded.project.id)
    return seeded


@pytest.fixture
def login(new_emulator: Emulator, world: Seeded) -> dict[str, str]:
    return {"INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": new_emulator.url}


def _clean(output: str) -> None:
    for bad in ("This is a bug", "Traceback", "Exception ignored", "is canceled"):
        assert bad not in output, output


def _only_token(emulator: Emulator) -> str:
    """The ID of the one token the server holds (it did act)."""
    assert len(emulator.state.tokens) == 1, emulator.state.tokens
    return next(iter(emulator.state.tokens))


def _says_it_may_exist(text: str, prog: str = "infisical-tokens") -> None:
    assert "may exist" in text and f"{prog} service-token list" in text and "service-token delete" in text, text


# ---------------------------------------------------------------------- item 7: a 2xx whose token is not taken

TAKEN: dict[str, Callable[[Any], Any]] = {
    "trailing newline": lambda answer: {**answer, "serviceToken": answer["serviceToken"] + "\n"},
    "leading space": lambda answer: {**answer, "serviceToken": " " + answer["serviceToken"]},
}

# the server creates the token, then the answer goes wrong on its way back
MAY_EXIST: dict[str, dict[str, Any]] = {
    "504 after acting": {"kind": "status", "status": 504},
    "502 after acting": {"kind": "status", "status": 502},
    "500 after acting": {"kind": "status", "status": 500},
    "dropped after acting": {"kind": "drop"},
    "not json": {"kind": "body", "status": 200, "body": b"<html>ok</html>"},
    "empty 204": {"kind": "body", "status": 204, "body": b""},
    "no serviceToken": {"kind": "body", "rewrite": lambda answer: {"serviceTokenData": answer["serviceTokenData"]}},
    "serviceToken not a string": {"kind": "body", "rewrite": lambda a: {**a, "serviceToken": [a["serviceToken"]]}},
    "a token that is not one": {"kind": "body", "rewrite": lambda a: {**a, "serviceToken": a["serviceToken"] + " x"}},
    "over the size cap": {"kind": "body", "rewrite": lambda a: {**a, "padding": "x" * 16_000_001}},
}


@pytest.mark.parametrize("rewrite", TAKEN.values(), ids=TAKEN.keys())
def test_cli_takes_a_token_with_stray_whitespace(
    run: Runner, new_emulator: Emulator, login: dict[str, str], rewrite: Callable[[Any], Any]
) -> None:
    new_emulator.add_fault("body", method="POST", path=POST, act=True, rewrite=rewrite)
    result = run(*ARGV, "--token-only", env=login)
    assert result.code == 0, result.stderr
    token = result.stdout.removesuffix("\n")
    assert TOKEN_RE.fullmatch(token) and token.split(".")[1] == _only_token(new_emulator)


@pytest.mark.parametrize("fault", MAY_EXIST.values(), ids=MAY_EXIST.keys())
def test_cli_says_a_token_may_exist_whenever_the_server_may_have_acted(
    run: Runner, new_emulator: Emulator, login: dict[str, str], fault: dict[str, Any]
) -> None:
    new_emulator.add_fault(method="POST", path=POST, act=True, **fault)
    result = run(*ARGV, env=login)
    assert result.code == 1
    _clean(result.output)
    _says_it_may_exist(result.stderr)
    _only_token(new_emulator)  # it did exist: the message was the truth
    assert len(new_emulator.requests_to("POST", POST)) == 1  # and nothing was retried


def test_cli_a_refusal_does_not_say_a_token_may_exist(run: Runner, new_emulator: Emulator, world: Seeded) -> None:
    viewer = {"INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.viewer), "INFISICAL_DOMAIN": new_emulator.url}
    result = run(*ARGV, env=viewer)
    assert result.code == 1 and "403" in result.stderr and "may exist" not in result.stderr
    new_emulator.add_fault("status", method="POST", path=POST, status=429)
    result = run(*ARGV, env={**viewer, "INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin)})
    assert result.code == 1 and "may exist" not in result.stderr and not new_emulator.state.tokens


# ---------------------------------------------------------------------- item 8: an output that cannot take the token


def _outputs() -> Iterator[tuple[str, dict[str, Any], Callable[[], None]]]:
    """(name, Popen keyword arguments for stdout, cleanup) for each stdout that cannot take the token."""
    if os.path.exists("/dev/full"):  # Linux only (see needs_dev_full)
        full = open("/dev/full", "w")  # noqa: SIM115 - closed by the cleanup
        yield "/dev/full", {"stdout": full}, full.close
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| true`: the reader is gone before anything is written
    yield "a closed pipe", {"stdout": write_end}, lambda: os.close(write_end)
    if os.name == "posix":  # preexec_fn is POSIX only
        yield "a closed stdout", {"stdout": subprocess.DEVNULL, "preexec_fn": lambda: os.close(1)}, lambda: None


def _cli(run: Runner, env: dict[str, str], args: list[str], **streams: Any) -> tuple[int, str]:
    streams.setdefault("stderr", subprocess.PIPE)
    proc = subprocess.run([CLI, *args], cwd=run.cwd, env={**run.env, **env}, timeout=60, **streams)
    return proc.returncode, (proc.stderr or b"").decode()


def test_cli_token_only_into_an_output_that_cannot_take_it(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    for name, streams, cleanup in _outputs():
        new_emulator.state.tokens.clear()
        try:
            code, err = _cli(run, login, [*ARGV, "--token-only"], **streams)
        finally:
            cleanup()
        token_id = _only_token(new_emulator)
        assert code == 1, (name, code, err)  # never 0, never Python's 120
        _clean(err)
        assert "the output could not be written" in err, (name, err)
        assert f"({token_id}) was created, but it did not reach you" in err, (name, err)
        assert f"infisical-tokens service-token delete {token_id} --yes" in err, (name, err)
        assert not TOKEN_RE.search(err)


@needs_dev_full
def test_cli_the_six_lines_into_a_full_stderr_still_fail(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    with open("/dev/full", "w") as full:
        code, _ = _cli(run, login, ARGV, stderr=full, stdout=subprocess.DEVNULL)
    assert code == 1 and len(new_emulator.state.tokens) == 1  # nobody can be told; the exit code still says it


def test_cli_rotate_into_a_closed_pipe_keeps_the_old_token(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    old = run(*ARGV, "--token-only", "-n", "ci", env=login).stdout.split(".")[1]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        code, err = _cli(run, login, ["service-token", "rotate", old, "--token-only"], stdout=write_end)
    finally:
        os.close(write_end)
    new = next(t for t in new_emulator.state.tokens if t != old)
    assert code == 1 and old in new_emulator.state.tokens  # the old one still works: nothing is lost
    assert f"infisical-tokens service-token delete {new} --yes" in err
    _clean(err)
    assert not [r for r in new_emulator.requests if r.method == "DELETE"]


def test_cli_ctrl_c_during_rotates_create_says_the_token_may_exist(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    old = run(*ARGV, "--token-only", env=login).stdout.split(".")[1]
    new_emulator.add_fault("latency", method="POST", path=POST, delay=3)
    process = subprocess.Popen(
        [CLI, "service-token", "rotate", old[:8]],
        cwd=run.cwd,
        env={**run.env, **login},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(lambda: len(new_emulator.requests_to("POST", POST)) == 2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    _clean(out + err)
    _says_it_may_exist(err)
    assert old in new_emulator.state.tokens


def _wait_for(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


async def _until(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


# ---------------------------------------------------------------------- item 17: rotate never guesses a lifetime


def _created(run: Runner, login: dict[str, str], *args: str) -> str:
    result = run(*ARGV, "--token-only", *args, env=login)
    assert result.code == 0, result.stderr
    return result.stdout.split(".")[1]


def _listing_with(emulator: Emulator, project_id: str, token_id: str, **dates: str) -> None:
    """The next token listing shows ``token_id`` with other dates (a server that stores what it was sent)."""
    row = emulator.state.tokens[token_id].sanitized(emulator.state.mode) | dates
    body = json.dumps({"serviceTokenData": [row]}).encode()
    emulator.add_fault(
        "body", method="GET", path=f"/api/v1/projects/{project_id}/service-token-data", status=200, body=body
    )


BAD_DATES = {
    "expiry before creation": {"createdAt": now_iso(time.time()), "expiresAt": now_iso(time.time() - 600)},
    "unreadable expiry": {"expiresAt": "next tuesday"},
    "expiry equals creation": {"createdAt": "2026-01-01T00:00:00.000Z", "expiresAt": "2026-01-01T00:00:00.000Z"},
}


@pytest.mark.parametrize("dates", BAD_DATES.values(), ids=BAD_DATES.keys())
def test_cli_rotate_refuses_to_guess_a_lifetime(
    run: Runner, new_emulator: Emulator, login: dict[str, str], world: Seeded, dates: dict[str, str]
) -> None:
    old = _created(run, login)
    _listing_with(new_emulator, world.project.id, old, **dates)
    result = run("service-token", "rotate", old, env=login)
    assert result.code == 1 and "-e SECONDS" in result.stderr and "nothing was created or deleted" in result.stderr
    _clean(result.output)
    assert len(new_emulator.requests_to("POST", POST)) == 1 and old in new_emulator.state.tokens
    _listing_with(new_emulator, world.project.id, old, **dates)
    chosen = run("service-token", "rotate", old, "-e", "600", env=login)  # the way out it names
    assert chosen.code == 0 and new_emulator.requests_to("POST", POST)[-1].body["expiresIn"] == 600


def test_cli_rotate_says_an_expired_token_expired_and_keeps_its_lifetime(
    run: Runner, new_emulator: Emulator, login: dict[str, str]
) -> None:
    old = _created(run, login, "-e", "3600")
    row = new_emulator.state.tokens[old]
    row.created_at, row.expires_at = time.time() - 7200, time.time() - 3600  # created two hours ago, for an hour
    result = run("service-token", "rotate", old, env=login)
    assert result.code == 0, result.stderr
    assert f"The old token 'Service token generated via CLI' ({old}) expired at" in result.stderr
    assert new_emulator.requests_to("POST", POST)[-1].body["expiresIn"] == 3600
    assert old not in new_emulator.state.tokens


# ---------------------------------------------------------------------- the language server: items 5, 6, 7, 17


async def _server(emulator: Emulator, world: Seeded, root: Path, *, handles_tokens: bool) -> Session:
    home = root / "home"
    home.mkdir(exist_ok=True)
    link(root, world.project.id)
    env = {**base_env(home), "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}
    client = await start("neovim", root, env, {"clientHandlesTokens": handles_tokens})
    return Session(client, root, "neovim", emulator, world)


def _send(client: LanguageClient, params: types.ExecuteCommandParams, msg_id: str) -> asyncio.Future[Any]:
    """An executeCommand request with an ID of our choosing, so that it can be cancelled."""
    return asyncio.wrap_future(client.protocol.send_request(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=msg_id))


def _request(root: Path) -> dict[str, Any]:
    return {"uri": (root / "deploy.sh").as_uri(), "argv": ARGV}


def _confirm(client: LanguageClient, before: Callable[[], Any] | None = None) -> list[str]:
    asked: list[str] = []

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)  # type: ignore[untyped-decorator]
    async def answer(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
        asked.append(params.message)
        if before is not None:
            before()
            await asyncio.sleep(0.3)
        return types.MessageActionItem(title="Create")

    return asked


async def test_lsp_odd_answers_hand_the_token_over_or_say_it_may_exist(
    new_emulator: Emulator, world: Seeded, tmp_path: Path
) -> None:
    session = await _server(new_emulator, world, tmp_path, handles_tokens=True)
    try:
        for rewrite in TAKEN.values():
            new_emulator.state.tokens.clear()
            new_emulator.add_fault("body", method="POST", path=POST, act=True, rewrite=rewrite)
            answer = await session.command(CREATE, _request(tmp_path))
            assert answer["ok"] and answer["token"].split(".")[1] == _only_token(new_emulator)
        for name in ("504 after acting", "dropped after acting", "not json", "over the size cap"):
            new_emulator.state.tokens.clear()
            new_emulator.add_fault(method="POST", path=POST, act=True, **MAY_EXIST[name])
            answer = await session.command(CREATE, _request(tmp_path))
            assert answer["ok"] is False, name
            _says_it_may_exist(answer["message"])
            _only_token(new_emulator)
    finally:
        await session.client.shutdown_session()


async def test_lsp_a_create_cancelled_after_it_was_sent_still_hands_the_token_over(
    new_emulator: Emulator, world: Seeded, tmp_path: Path
) -> None:
    session = await _server(new_emulator, world, tmp_path, handles_tokens=True)
    client = session.client
    try:
        new_emulator.add_fault("latency", method="POST", path=POST, delay=1.5)
        params = types.ExecuteCommandParams(command=CREATE, arguments=[_request(tmp_path)])
        pending = _send(client, params, "create-1")
        await _until(lambda: new_emulator.requests_to("POST", POST))
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="create-1"))
        answer = await asyncio.wait_for(pending, 30)
        token_id = _only_token(new_emulator)
        assert answer["ok"] and answer["token"].split(".")[1] == token_id
        await _until(lambda: any("was cancelled after it reached the server" in m.message for m in client.messages))
        said = next(m.message for m in client.messages if "was cancelled" in m.message)
        assert f"service-token delete {token_id}" in said and not TOKEN_RE.search(said)
        # rotate creates too: cancelled after its create left, it still answers with the new token
        new_emulator.add_fault("latency", method="POST", path=POST, delay=1.5)
        params = types.ExecuteCommandParams(command=ROTATE, arguments=[{"tokenId": token_id}])
        pending = _send(client, params, "rotate-1")
        await _until(lambda: len(new_emulator.requests_to("POST", POST)) == 2)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="rotate-1"))
        answer = await asyncio.wait_for(pending, 30)
        assert answer["ok"] and answer["token"].split(".")[1] == _only_token(new_emulator) != token_id
    finally:
        await client.shutdown_session()


async def test_lsp_a_create_cancelled_before_it_was_sent_sends_nothing(
    new_emulator: Emulator, world: Seeded, tmp_path: Path
) -> None:
    (tmp_path / ".gitignore").write_text(".env\n")
    session = await _server(new_emulator, world, tmp_path, handles_tokens=False)
    client = session.client
    asked = _confirm(client, lambda: client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="create-2")))
    try:
        params = types.ExecuteCommandParams(command=CREATE, arguments=[_request(tmp_path)])
        pending = _send(client, params, "create-2")
        with pytest.raises(Exception, match="canceled"):  # pygls' own cancellation error
            await asyncio.wait_for(pending, 30)
        await asyncio.sleep(1)  # the handler has gone on past the confirmation by now
        assert asked and new_emulator.requests_to("POST", POST) == [] and not (tmp_path / ".env").exists()
    finally:
        await client.shutdown_session()


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@e", *args], check=True, capture_output=True
    )


async def test_lsp_never_writes_a_token_into_a_file_git_tracks(
    new_emulator: Emulator, world: Seeded, tmp_path: Path
) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / ".env").write_text("A=1\n")
    _git(tmp_path, "add", ".env")
    _git(tmp_path, "commit", "-qm", "env")
    (tmp_path / ".gitignore").write_text(".env\n")  # listed now; still tracked
    session = await _server(new_emulator, world, tmp_path, handles_tokens=False)
    asked = _confirm(session.client)
    try:
        answer = await session.command(CREATE, _request(tmp_path))
        assert answer["ok"] is False and "git tracks .env" in answer["message"] and not asked
        assert new_emulator.requests_to("POST", POST) == [] and (tmp_path / ".env").read_text() == "A=1\n"
        _git(tmp_path, "rm", "-q", "--cached", ".env")  # the way out it names: then git ignores it
        answer = await session.command(CREATE, _request(tmp_path))
        assert answer["ok"] and answer["writtenTo"] == str(tmp_path / ".env") and asked
        assert (tmp_path / ".env").read_text().startswith("A=1\nINFISICAL_TOKEN=st.")
    finally:
        await session.client.shutdown_session()


@needs_fifo
async def test_lsp_a_fifo_token_file_is_refused_and_freezes_nothing(
    new_emulator: Emulator, world: Seeded, tmp_path: Path
) -> None:
    (tmp_path / ".gitignore").write_text(".env\n")
    os.mkfifo(tmp_path / ".env")
    session = await _server(new_emulator, world, tmp_path, handles_tokens=False)
    try:
        started = time.monotonic()
        answer = await asyncio.wait_for(session.command(CREATE, _request(tmp_path)), 10)
        assert answer["ok"] is False and "is not a regular file" in answer["message"]
        uri = await session.open("deploy.sh", "shellscript", "infisical service-token create -s dev:/ -a read\n")
        hover = await session.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 35))
        )
        assert hover is not None and time.monotonic() - started < 10  # the server still answers
        assert new_emulator.requests_to("POST", POST) == []
    finally:
        await session.client.shutdown_session()


async def test_lsp_rotate_refuses_to_guess_and_says_a_token_expired(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, run: Runner, login: dict[str, str]
) -> None:
    bad, expired = _created(run, login), _created(run, login, "-e", "60")
    row = new_emulator.state.tokens[expired]
    row.created_at, row.expires_at = time.time() - 120, time.time() - 60
    session = await _server(new_emulator, world, tmp_path, handles_tokens=True)
    try:
        _listing_with(new_emulator, world.project.id, bad, **BAD_DATES["unreadable expiry"])
        answer = await session.command(ROTATE, {"tokenId": bad, "projectId": world.project.id})
        assert answer["ok"] is False and "-e SECONDS" in answer["message"]
        assert len(new_emulator.requests_to("POST", POST)) == 2 and bad in new_emulator.state.tokens
        answer = await session.command(ROTATE, {"tokenId": expired, "projectId": world.project.id})
        assert answer["ok"] and "expired at" in answer["message"] and expired not in new_emulator.state.tokens
        assert new_emulator.requests_to("POST", POST)[-1].body["expiresIn"] == 60
    finally:
        await session.client.shutdown_session()


# ---------------------------------------------------------------------- the magic in a real kernel: items 7, 16, 17


def _kernel(steps: list[tuple[Callable[[], object] | None, str]], env: dict[str, str], cwd: Path) -> list[str]:
    """Run each cell in one real kernel, after its setup (faults, data) here; the text each cell showed."""
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(cwd), env={**os.environ, **env})
    shown: list[str] = []
    try:
        for setup, cell in steps:
            if setup is not None:
                setup()
            texts: list[str] = []

            def hook(msg: dict[str, Any], texts: list[str] = texts) -> None:
                content = msg["content"]
                if msg["msg_type"] == "stream":
                    texts.append(content["text"])
                elif msg["msg_type"] in ("execute_result", "display_data"):
                    texts.append(content["data"].get("text/plain", ""))
                elif msg["msg_type"] == "error":
                    texts.append("\n".join(content["traceback"]))

            kc.execute_interactive(cell, output_hook=hook, timeout=90)
            shown.append("".join(texts))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return shown


UNWRITABLE_STDOUT = """
import sys
real, sys.stdout = sys.stdout, open("/dev/full", "w", buffering=1)
try:
    get_ipython().run_line_magic("infisical", "service-token create -s dev:/ -a read --token-only --reveal")
finally:
    sys.stdout = real
"""


@needs_dev_full
def test_magic_in_a_kernel_hands_over_or_says_where_the_token_is(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, run: Runner, login: dict[str, str]
) -> None:
    env = {
        **base_env(tmp_path),
        **login,
        "INFISICAL_PROJECT_ID": world.project.id,
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    bad = _created(run, login)
    tokens_before = set(new_emulator.state.tokens)

    def fault(**kwargs: Any) -> Callable[[], object]:
        return lambda: new_emulator.add_fault(method="POST", path=POST, act=True, **kwargs)

    shown = _kernel(
        [
            (None, "%load_ext infisical_tokens.magics"),
            (fault(kind="body", rewrite=TAKEN["trailing newline"]), "tok = %infisical " + " ".join(ARGV)),
            (None, "print(tok.info.id, len(tok.reveal()))"),
            (fault(**MAY_EXIST["504 after acting"]), "%infisical " + " ".join(ARGV)),
            (None, UNWRITABLE_STDOUT),
            (None, "%infisical " + " ".join(ARGV) + " --env {chr(0xD800)}"),  # a name no environment can hold
            (
                lambda: _listing_with(new_emulator, world.project.id, bad, expiresAt="soon"),
                f"%infisical service-token rotate {bad}",
            ),
        ],
        env,
        tmp_path,
    )
    new = [t for t in new_emulator.state.tokens if t not in tokens_before]
    assert len(new) == 3  # the stripped one, the one behind the 504, the one stdout could not take
    for text in shown:
        _clean(text)
    assert shown[2] == f"{new[0]} 105\n"  # handed over whole, without the newline
    _says_it_may_exist(shown[3], "%infisical")
    assert "unexpected OSError" in shown[4] and f"({new[2]}) was created, but it did not reach you" in shown[4]
    assert f"%infisical service-token delete {new[2]} --yes" in shown[4] and not TOKEN_RE.search(shown[4])
    assert "--env needs an environment variable name" in shown[5]  # refused before anything was created
    assert "UsageError" in shown[6] and "-e SECONDS" in shown[6] and bad in new_emulator.state.tokens


def test_magic_interrupted_in_a_kernel_after_the_create_left_says_the_token_may_exist(
    new_emulator: Emulator, world: Seeded, tmp_path: Path, login: dict[str, str]
) -> None:
    env = {**base_env(tmp_path), **login, "INFISICAL_PROJECT_ID": world.project.id, "IPYTHONDIR": str(tmp_path / "i")}
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env={**os.environ, **env})
    try:
        kc.execute_interactive("%load_ext infisical_tokens.magics", timeout=60)
        new_emulator.add_fault("latency", method="POST", path=POST, delay=3)
        texts: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                texts.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                texts.append("\n".join(msg["content"]["traceback"]))

        def interrupt_once_sent() -> None:
            _wait_for(lambda: new_emulator.requests_to("POST", POST))
            km.interrupt_kernel()

        interrupter = threading.Thread(target=interrupt_once_sent)
        interrupter.start()
        kc.execute_interactive("tok = %infisical " + " ".join(ARGV), output_hook=hook, timeout=60)
        interrupter.join()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    shown = "".join(texts)
    _clean(shown)
    assert "Interrupted." in shown
    _says_it_may_exist(shown, "%infisical")
