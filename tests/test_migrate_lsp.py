"""The language server's ``migrateServiceToken`` (issue 22), driven over stdio like VS Code: a dry run says what
differs and creates nothing; the real run answers the client secret to the client that takes it and to nobody
else (shown and log messages, and every file in the workspace, are grepped). It never deletes the old token: a
lost answer would leave nobody with the secret, so the client deletes it once it holds the secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import base_env
from tests.emulator import Emulator, client, seed
from tests.lsp_harness import Session, link, start

pytestmark = pytest.mark.asyncio
MIGRATE = "infisical.server.migrateServiceToken"
DELETE = "infisical.server.deleteServiceToken"


async def session(tmp_path: Path, emulator: Emulator, handles_tokens: bool) -> tuple[Session, str]:
    world = seed(emulator)
    link(tmp_path, world.project.id)
    home = tmp_path / "home"
    home.mkdir()
    jwt = emulator.state.issue_jwt(world.admin)
    env = {**base_env(home), "INFISICAL_TOKEN": jwt, "INFISICAL_DOMAIN": emulator.url}
    lsp = await start("visual-studio-code", tmp_path, env, {"clientHandlesTokens": handles_tokens})
    token = client.create_token(emulator, jwt, world.project.id, [("dev", "/backend")])
    return Session(lsp, tmp_path, "visual-studio-code", emulator, world), token.split(".")[1]


async def test_dry_run_then_migrate_hands_the_secret_only_to_the_client(tmp_path: Path) -> None:
    with Emulator("new") as emulator:
        lsp, token_id = await session(tmp_path, emulator, handles_tokens=True)
        try:
            project = {"projectId": lsp.world.project.id if lsp.world else ""}
            preview = await lsp.command(MIGRATE, {**project, "tokenId": token_id, "dryRun": True})
            assert preview["ok"] and "Dry run: nothing was sent." in preview["preview"]
            assert any("is pinned to dev:/backend" in d for d in preview["differences"])
            assert not emulator.identities.by_id
            done = await lsp.command(MIGRATE, {**project, "tokenId": token_id, "deleteToken": True})
            assert done["ok"], done
            secret = done["clientSecret"]
            assert len(secret) == 64 and done["masked"] == f"{secret[:4]}…****"
            # asked to delete, the server leaves the token and says the client deletes it
            assert done["tokenDeleted"] is False and done["deleteByClient"] is True
            assert token_id in emulator.state.tokens
            assert f"the client deletes it once it holds the client secret ({DELETE})" in done["message"]
            assert any("--env=dev --path=/backend" in line for line in done["ci"])
            assert secret not in done["message"]
            said = [m.message for m in lsp.client.log_messages + lsp.client.messages]
            assert all(secret not in m for m in said)
            login = client.ua_login(emulator, done["clientId"], secret)
            assert login.status_code == 200
        finally:
            await lsp.client.shutdown_session()
        written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
        assert all(secret.encode() not in data for data in written)


async def test_a_client_that_does_not_take_secrets_is_sent_to_the_terminal(tmp_path: Path) -> None:
    with Emulator("new") as emulator:
        lsp, token_id = await session(tmp_path, emulator, handles_tokens=False)
        try:
            answer = await lsp.command(MIGRATE, {"tokenId": token_id})
            assert answer == {
                "ok": False,
                "message": "Migrate from a terminal: infisical-tokens service-token migrate ID",
            }
            assert not emulator.identities.by_id
        finally:
            await lsp.client.shutdown_session()


async def test_a_failed_step_answers_what_remains(tmp_path: Path) -> None:
    with Emulator("old", rate_limit=None) as emulator:
        lsp, token_id = await session(tmp_path, emulator, handles_tokens=True)
        try:
            emulator.add_fault("status", status=500, method="POST", path="/api/v1/auth/universal-auth/login")
            answer = await lsp.command(MIGRATE, {"tokenId": token_id})
            assert answer["ok"] is False
            assert "could not log in with the new client secret" in answer["message"]
            assert "was removed: nothing remains." in answer["message"]
            assert not emulator.identities.by_id
            (secret,) = [r.body["clientSecret"] for r in emulator.requests if r.path.endswith("/login")]
            said = [m.message for m in lsp.client.log_messages + lsp.client.messages]
            assert all(secret not in m for m in [*said, answer["message"]])
        finally:
            await lsp.client.shutdown_session()


async def test_the_client_deletes_the_token_after_the_migrate(tmp_path: Path) -> None:
    with Emulator("new") as emulator:
        lsp, token_id = await session(tmp_path, emulator, handles_tokens=True)
        try:
            emulator.add_fault("status", status=500, method="DELETE", path="/api/v2/service-token/")
            done = await lsp.command(MIGRATE, {"tokenId": token_id, "deleteToken": True})
            assert done["ok"] and done["tokenDeleted"] is False and done["deleteByClient"] is True
            assert f"infisical-tokens service-token delete {token_id} --yes" in done["message"]
            assert token_id in emulator.state.tokens and len(emulator.identities.by_id) == 1
            assert not [r for r in emulator.requests if r.method == "DELETE"]
            failed = await lsp.command(DELETE, {"tokenId": token_id})
            assert failed["ok"] is False and "500" in failed["message"]
            assert token_id in emulator.state.tokens
            emulator.faults.clear()
            deleted = await lsp.command(DELETE, {"tokenId": token_id})
            assert deleted["ok"], deleted
            assert token_id not in emulator.state.tokens
        finally:
            await lsp.client.shutdown_session()
