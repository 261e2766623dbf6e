"""rotate and audit through the command line and the magic, against both server generations (the old one with its
rate limit on), including the faults that must lose nothing: a failed create, a failed delete, a dropped create."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from infisical_tokens.magics import ServiceToken
from tests.conftest import TOKEN_RE, Runner, base_env, link_project, magic_shell
from tests.emulator import Emulator, Seeded, seed


def _create(run: Runner, login: dict[str, str], *args: str) -> str:
    result = run("service-token", "create", *args, "--token-only", env=login)
    assert result.code == 0, result.stderr
    return result.stdout.strip().split(".")[1]


def test_rotate_keeps_name_scopes_access_and_lifetime(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    old = _create(run, login, "-s", "dev:/backend/**", "-s", "prod:/", "-a", "read,write", "-n", "ci", "-e", "7200")
    result = run("service-token", "rotate", old[:8], "--token-only", env=login)
    assert result.code == 0, result.stderr
    assert TOKEN_RE.fullmatch(result.stdout.strip())  # exactly like create --token-only: the token alone
    assert f"Deleted the old service token 'ci' ({old})" in result.stderr
    post = emulator.requests_to("POST", "/api/v2/service-token")[-1].body
    assert post["name"] == "ci" and post["expiresIn"] == 7200
    assert post["scopes"] == [
        {"environment": "dev", "secretPath": "/backend/**"},
        {"environment": "prod", "secretPath": "/"},
    ]
    assert post["permissions"] == ["read", "write"]
    assert old not in emulator.state.tokens and len(emulator.state.tokens) == 1


def test_rotate_never_expiring_stays_never_and_flags_override(
    run: Runner, emulator: Emulator, login: dict[str, str]
) -> None:
    old = _create(run, login, "-s", "dev:/", "-a", "read", "-n", "forever", "-e", "0")
    assert run("service-token", "rotate", old, env=login).code == 0
    assert emulator.requests_to("POST", "/api/v2/service-token")[-1].body["expiresIn"] == 0
    new = next(iter(emulator.state.tokens))
    result = run("service-token", "rotate", new, "-e", "600", "-n", "renamed", "--keep-old", env=login)
    assert result.code == 0 and "Kept the old service token 'forever'" in result.stderr
    body = emulator.requests_to("POST", "/api/v2/service-token")[-1].body
    assert body["expiresIn"] == 600 and body["name"] == "renamed" and len(emulator.state.tokens) == 2


def test_rotate_dry_run_sends_nothing(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    old = _create(run, login, "-s", "dev:/backend/**", "-a", "read", "-n", "ci")
    result = run("service-token", "rotate", old, "--dry-run", env=login)
    assert result.code == 0 and "Dry run: nothing was sent." in result.stdout
    assert f"Then delete the old service token 'ci' ({old})." in result.stdout
    assert len(emulator.requests_to("POST", "/api/v2/service-token")) == 1
    assert not [r for r in emulator.requests if r.method == "DELETE"]


def test_rotate_when_the_create_fails_leaves_the_old_token(
    run: Runner, emulator: Emulator, login: dict[str, str]
) -> None:
    old = _create(run, login, "-s", "dev:/", "-a", "read", "-n", "ci")
    emulator.add_fault("status", method="POST", status=502)
    result = run("service-token", "rotate", old, env=login)
    assert result.code == 1 and "Unable to create service token" in result.stderr
    assert old in emulator.state.tokens and not [r for r in emulator.requests if r.method == "DELETE"]


def test_rotate_when_the_delete_fails_shows_the_new_token_and_how_to_finish(
    run: Runner, emulator: Emulator, login: dict[str, str]
) -> None:
    old = _create(run, login, "-s", "dev:/", "-a", "read", "-n", "ci")
    emulator.add_fault("status", method="DELETE", status=500, times=10)
    result = run("service-token", "rotate", old, "--token-only", env=login)
    assert result.code == 3
    assert TOKEN_RE.fullmatch(result.stdout.strip())  # already shown: nothing lost
    assert f"infisical-tokens service-token delete {old} --yes" in result.stderr
    assert len(emulator.requests_to("POST", "/api/v2/service-token")) == 2  # never created twice
    assert len([r for r in emulator.requests if r.method == "DELETE"]) == 1  # a delete is not retried either


def test_rotate_when_the_connection_drops_after_the_create(
    run: Runner, emulator: Emulator, login: dict[str, str]
) -> None:
    old = _create(run, login, "-s", "dev:/", "-a", "read", "-n", "ci")
    emulator.add_fault("drop", method="POST")
    result = run("service-token", "rotate", old, env=login)
    assert result.code == 1
    assert "may have created the token" in result.stderr and "service-token list" in result.stderr
    assert len(emulator.requests_to("POST", "/api/v2/service-token")) == 2  # one for the setup, one attempt
    assert old in emulator.state.tokens


def test_audit_findings_formats_and_exit_codes(run: Runner, emulator: Emulator, login: dict[str, str]) -> None:
    _create(run, login, "-s", "prod:/**", "-a", "read,write", "-n", "deployer", "-e", "0")
    _create(run, login, "-s", "prod:/**", "-a", "read,write", "-n", "copy", "-e", "3600")
    _create(run, login, "-s", "dev:/backend", "-a", "read", "-n", "exact")
    _create(run, login, "-s", "staging:/gone/**", "-a", "read", "-n", "renamed")
    result = run("service-token", "audit", "--json", env=login)
    assert result.code == 1  # token-protected-write is an error
    data = json.loads(result.stdout)
    codes = {(f["tokenName"], f["code"]) for f in data["findings"]}
    assert {
        ("deployer", "token-never-expires"),
        ("deployer", "token-protected-write"),
        ("copy", "token-expiring"),
        ("copy", "token-protected-write"),
        ("exact", "token-scope-exact-folder"),
        ("renamed", "token-scope-no-folder"),
    } <= codes
    assert ("deployer", "token-duplicate") in codes or ("copy", "token-duplicate") in codes
    github = run("service-token", "audit", "--format", "github", "--fail-on", "never", env=login)
    assert github.code == 0 and "::error title=infisical token-protected-write::" in github.stdout
    text = run("service-token", "audit", "--protected", "qa", "--fail-on", "error", env=login)
    assert text.code == 0 and "token-protected-write" not in text.stdout  # prod is not protected now
    assert login["INFISICAL_TOKEN"] not in result.output + github.output + text.output


# ---------------------------------------------------------------------- the magic


@pytest.fixture
def ip(
    emulator: Emulator, world: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    yield from magic_shell(emulator, world, tmp_path, monkeypatch)


def test_the_magic_rotates_and_audits(ip: InteractiveShell, emulator: Emulator) -> None:
    first = ip.run_line_magic("infisical", "service-token create -s prod:/** -a read,write -n nb -e 0")
    old_id = first.reveal().split(".")[1]
    rotated = ip.run_line_magic("infisical", f"service-token rotate {old_id[:8]}")
    assert type(rotated) is ServiceToken and rotated.reveal() != first.reveal()
    assert rotated.info.name == "nb" and old_id not in emulator.state.tokens
    assert rotated.reveal() not in repr(rotated)
    table = ip.run_line_magic("infisical", "service-token audit")
    html = table._repr_html_()
    assert "<table>" in html and "token-protected-write" in html and "token-never-expires" in html
    assert rotated.reveal() not in html + repr(table)


# ---------------------------------------------------------------------- the language server (the extension's palette)


async def test_the_server_lists_rotates_audits_and_deletes(
    run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str], tmp_path: Path
) -> None:
    from tests.lsp_harness import Session, link, start

    old = _create(run, login, "-s", "prod:/**", "-a", "read,write", "-n", "palette", "-e", "0")
    link(tmp_path, world.project.id)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**base_env(home), "INFISICAL_TOKEN": login["INFISICAL_TOKEN"], "INFISICAL_DOMAIN": emulator.url}
    client = await start("visual-studio-code", tmp_path, env, {"clientHandlesTokens": True})
    session = Session(client, tmp_path, "visual-studio-code", emulator, world)
    uri = (tmp_path / "a.sh").as_uri()
    try:
        listed = await session.command("infisical.server.listTokens", {"uri": uri})
        assert listed["ok"] and [t["id"] for t in listed["tokens"]] == [old]
        audit = await session.command("infisical.server.auditServiceTokens", {"uri": uri})
        assert {f["code"] for f in audit["findings"]} >= {"token-never-expires", "token-protected-write"}
        rotated = await session.command("infisical.server.rotateServiceToken", {"uri": uri, "tokenId": old[:6]})
        assert rotated["ok"] and rotated["oldDeleted"] and TOKEN_RE.fullmatch(rotated["token"])
        assert rotated["masked"].endswith("…****") and old not in emulator.state.tokens
        new_id = rotated["token"].split(".")[1]
        deleted = await session.command("infisical.server.deleteServiceToken", {"uri": uri, "tokenId": new_id})
        assert deleted["ok"] and not emulator.state.tokens
        for message in client.log_messages:
            assert rotated["token"] not in message.message
    finally:
        await client.shutdown_session()


def test_audit_reads_only_the_folders_its_checks_need(run: Runner, tmp_path: Path) -> None:
    """On a rate-limited 2024 server, auditing a 200-folder project must not walk the whole tree."""
    with Emulator("old") as old:
        world = seed(old)
        project = old.state.add_project(
            "Big", [("Development", "dev")], {"dev": [f"/svc{i}/part{j}" for i in range(10) for j in range(19)]}
        )
        old.state.users[world.admin.id].roles[project.id] = "admin"
        env = {
            "INFISICAL_TOKEN": old.state.issue_jwt(world.admin),
            "INFISICAL_DOMAIN": old.url,
            "INFISICAL_PROJECT_ID": project.id,
        }
        _create(run, env, "-s", "dev:/svc3/**", "-a", "read", "-n", "narrow")
        result = run("service-token", "audit", "--json", env=env)
        reads = len([r for r in old.requests if r.path == "/api/v1/folders"])
    assert result.code == 0, result.output
    assert "rate-limited" not in result.output and reads < 30  # /, /svc3 and its 19 children: not 201
    assert "token-scope-no-folder" not in result.stdout


def test_rotate_connects_once(run: Runner, emulator: Emulator, world: Seeded, login: dict[str, str]) -> None:
    """One rotation is one connection (read, create and delete on it): what connecting says is said once."""
    old = _create(run, login, "-s", "dev:/", "-a", "read", "-n", "ci")
    link_project(run.cwd, world.project.id, domain="not a url")
    for extra in (["--dry-run"], []):
        result = run("service-token", "rotate", old, *extra, env=login)
        assert result.code == 0, result.stderr
        assert result.stderr.count("The 'domain' field in") == 1, result.stderr
