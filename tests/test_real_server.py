"""What a real 2024 Infisical server showed, against the emulator taught to behave the same way.

The old generation rate-limits reads (60 a minute per route per client, then 500 with ``Retry-After`` and
``x-ratelimit-*`` headers) and walks folders one request each; projects that do not exist answer 500
"Failed to find project by id". These tests run with that limit on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.conftest import Runner, base_env, link_project
from tests.emulator import Emulator, Seeded, seed
from tests.lsp_harness import Session, cursor, link, start

SIXTEEN = [f"/backend/s{i}" for i in range(12)] + ["/frontend/web", "/frontend/mobile"]  # 16 folders with parents
TWO_HUNDRED = [f"/svc{i}/part{j}" for i in range(10) for j in range(19)]  # 10 + 190 = 200 folders


@pytest.fixture
def old() -> Iterator[Emulator]:
    with Emulator("old") as emulator:
        assert emulator.rate_limiter is not None and emulator.rate_limiter.limit == 60  # the server mode we claim
        yield emulator


def _env(emulator: Emulator, world: Seeded) -> dict[str, str]:
    return {"INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}


def _folder_reads(emulator: Emulator) -> int:
    return len([r for r in emulator.requests if r.path == "/api/v1/folders"])


def test_eight_dry_runs_in_a_row_all_show_coverage(run: Runner, old: Emulator) -> None:
    world = seed(old)
    project = old.state.add_project("Sixteen", [("Development", "dev"), ("Production", "prod")], {"dev": SIXTEEN})
    old.state.users[world.admin.id].roles[project.id] = "admin"
    assert len(project.env("dev").folders) - 1 == 16  # type: ignore[union-attr]
    link_project(run.cwd, project.id)
    for attempt in range(8):
        result = run(
            "service-token", "create", "-s", "dev:/backend/**", "-a", "read", "--dry-run", env=_env(old, world)
        )
        assert result.code == 0, (attempt, result.stderr)
        assert "unavailable" not in result.output and "rate-limited" not in result.output, (attempt, result.output)
        assert "dev:/backend/**: /backend, /backend/s0, /backend/s1, /backend/s10" in result.stdout
    assert _folder_reads(old) == 14  # the root and /backend's subtree, once; then the per-user cache answers


def test_a_rate_limit_mid_walk_says_so_and_later_runs_finish(run: Runner) -> None:
    with Emulator("old", rate_limit=8, rate_window=2.0) as old:
        world = seed(old)
        project = old.state.add_project("Big", [("Development", "dev")], {"dev": TWO_HUNDRED})
        old.state.users[world.admin.id].roles[project.id] = "admin"
        link_project(run.cwd, project.id)
        args = ("service-token", "create", "-s", "dev:/svc3/**", "-a", "read", "--dry-run")
        first = run(*args, env=_env(old, world))
        assert first.code == 0
        assert "rate-limited by the server; coverage from" in first.output
        for _ in range(10):  # each run reads on from where the cache stopped
            later = run(*args, env=_env(old, world))
            if "rate-limited" not in later.output:
                break
            time.sleep(2.1)
        assert "rate-limited" not in later.output, later.output
        assert later.stdout.count("/svc3/part") == 19


def test_a_project_that_does_not_exist(run: Runner, old: Emulator) -> None:
    world = seed(old)
    missing = "11111111-1111-1111-1111-111111111111"
    for extra in ([], ["--dry-run"]):
        result = run(
            "service-token", "create", "-s", "dev:/", "-a", "read", "--projectId", missing, *extra, env=_env(old, world)
        )
        assert result.code == 1
        assert "Failed to find project by id" in result.stderr and "Check the project ID" in result.stderr
    assert old.requests_to("POST", "/api/v2/service-token") == []


async def _session(
    emulator: Emulator,
    world: Seeded,
    root: Path,
    editor: str = "visual-studio-code",
    notifications: dict[str, list[Any]] | None = None,
) -> Session:
    home = root / "home"
    home.mkdir(exist_ok=True)
    env = {**base_env(home), **_env(emulator, world)}
    client = await start(editor, root, env, {"clientHandlesTokens": True}, notifications=notifications)
    return Session(client, root, editor, emulator, world)


async def _complete(session: Session, uri: str, text: str, position: types.Position) -> list[str]:
    """Ask as an editor does while the person types: again while the list says it is incomplete."""
    labels: list[str] = []
    for _ in range(100):
        result = await session.client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        )
        assert isinstance(result, types.CompletionList)
        labels = [i.label for i in result.items]
        if not result.is_incomplete:
            return labels
        await asyncio.sleep(0.05)
    return labels


async def test_two_hundred_folders_get_completion_and_coverage_under_the_rate_limit(
    old: Emulator, tmp_path: Path
) -> None:
    world = seed(old)
    project = old.state.add_project("Big", [("Development", "dev"), ("Production", "prod")], {"dev": TWO_HUNDRED})
    old.state.users[world.admin.id].roles[project.id] = "admin"
    assert len(project.env("dev").folders) - 1 == 200  # type: ignore[union-attr]
    link(tmp_path, project.id)
    session = await _session(old, world, tmp_path)
    try:
        text, position = cursor("infisical service-token create -s dev:/svc7/| -a read\n")
        uri = (tmp_path / "deploy.sh").as_uri()
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "shellscript", 1, text))
        )
        session.opened[uri] = 1
        labels = await _complete(session, uri, text, position)
        assert "/svc7/part3/" in labels and "/svc7/part18/**" in labels
        hover_text, hover_at = cursor("infisical service-token create -s dev:/svc3/*|* -s dev:/nope/** -a read\n")
        await session.change(uri, hover_text)
        shown = ""
        for _ in range(100):
            hover = await session.client.text_document_hover_async(
                types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=hover_at)
            )
            assert hover is not None and isinstance(hover.contents, types.MarkupContent)
            shown = hover.contents.value
            if "so far" not in shown and "unavailable" not in shown:
                break
            await asyncio.sleep(0.05)
        assert "covers 20 folder(s) in **dev**:" in shown
        diagnostics = list(await session.diagnostics(uri))
        for _ in range(100):
            diagnostics = list(session.client.diagnostics.get(uri, []))
            if any(d.code == "scope-no-folder" for d in diagnostics):
                break
            await asyncio.sleep(0.05)
        assert [d.code for d in diagnostics] == ["scope-no-folder"]  # /nope/**, and not /svc3/**
        assert _folder_reads(old) < 60  # only what was asked for: never the whole tree
    finally:
        await session.client.shutdown_session()


async def test_three_refreshes_in_a_row(tmp_path: Path) -> None:
    """A client with progress support (VS Code) could refresh only once: the progress token was reused."""
    with Emulator("new") as emulator:
        world = seed(emulator)
        link(tmp_path, world.project.id)
        session = await _session(emulator, world, tmp_path, "visual-studio-code")
        try:
            for attempt in range(3):
                emulator.state.add_folder(world.project, "dev", f"/added{attempt}")
                answer = await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id})
                assert answer == {"online": True, "reason": None}
                listed = await session.command(
                    "infisical.server.listFolders", {"projectId": world.project.id, "environment": "dev"}
                )
                assert f"/added{attempt}" in listed["folders"]  # a refresh reads afresh, not from the folder cache
        finally:
            await session.client.shutdown_session()


async def test_a_workspace_with_two_projects(old: Emulator, tmp_path: Path) -> None:
    world = seed(old)
    for name, project in (("a", world.project), ("b", world.other_project)):
        (tmp_path / name).mkdir()
        link(tmp_path / name, project.id)
    session = await _session(old, world, tmp_path)
    try:
        found = {}
        for name in ("a", "b"):
            text, position = cursor("infisical service-token create -s |")
            uri = (tmp_path / name / "deploy.sh").as_uri()
            session.client.text_document_did_open(
                types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "shellscript", 1, text))
            )
            for _ in range(100):
                labels = await _complete(session, uri, text, position)
                if labels and (name == "b" or len(labels) == 3):
                    break
                await asyncio.sleep(0.05)
            found[name] = sorted(labels)
        assert found == {"a": ["dev", "prod", "staging"], "b": ["dev"]}
    finally:
        await session.client.shutdown_session()


async def test_no_request_with_an_empty_project_id_and_a_cold_start_prefetch(old: Emulator, tmp_path: Path) -> None:
    world = seed(old)
    link(tmp_path, world.project.id)
    (tmp_path / "empty").mkdir()
    link(tmp_path / "empty", "")
    session = await _session(old, world, tmp_path)
    try:
        for _ in range(100):  # nothing opened yet: the workspace's project loads at start
            if any(r.path == f"/api/v1/workspace/{world.project.id}" for r in old.requests):
                break
            await asyncio.sleep(0.05)
        assert any(r.path == f"/api/v1/workspace/{world.project.id}" for r in old.requests)
        uri = (tmp_path / "empty" / "deploy.sh").as_uri()
        text = "infisical service-token create -s dev:/ -a read\n"
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "shellscript", 1, text))
        )
        await session.diagnostics(uri)
        for command in (
            "infisical.server.status",
            "infisical.server.listEnvironments",
            "infisical.server.refreshCatalog",
        ):
            await session.command(command, {"uri": uri})
        await asyncio.sleep(0.3)
        assert not [r.path for r in old.requests if "//" in r.path or r.path.endswith(("/workspace/", "/projects/"))]
    finally:
        await session.client.shutdown_session()


async def test_commands_take_no_arguments_and_status_follows_the_server(tmp_path: Path) -> None:
    emulator = Emulator("new").start()
    world = seed(emulator)
    link(tmp_path, world.project.id)
    changes: list[Any] = []
    session = await _session(emulator, world, tmp_path, notifications={"infisical/statusChanged": changes})
    try:
        for command in (
            "infisical.server.status",
            "infisical.server.listEnvironments",
            "infisical.server.listFolders",
            "infisical.server.listProjects",
            "infisical.server.refreshCatalog",
            "infisical.server.createServiceToken",
        ):
            for arguments in ([], [42], [None, "extra"]):
                answer = await session.client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command=command, arguments=arguments)
                )
                assert isinstance(answer, dict), (command, arguments, answer)
        assert (await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id}))["online"]
        uri = (tmp_path / "deploy.sh").as_uri()
        assert (await session.command("infisical.server.status", {"uri": uri}))["online"] is True
        emulator.stop()
        # nobody refreshes: asking for the status (as an editor does on every switch) notices within seconds
        for _ in range(100):
            status = await session.command("infisical.server.status", {"uri": uri})
            if not status["online"]:
                break
            await asyncio.sleep(0.2)
        assert status["online"] is False and "connection refused" in status["reason"]
        refreshed = await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id})
        assert refreshed["online"] is False and "connection refused" in refreshed["reason"]
        emulator.start()  # back on the same port: the server notices by itself, nobody asks
        for _ in range(100):
            if (await session.command("infisical.server.status", {"uri": uri}))["online"]:
                break
            await asyncio.sleep(0.1)
        assert (await session.command("infisical.server.status", {"uri": uri}))["online"] is True
        assert [(c.online, "connection refused" in (c.reason or "")) for c in changes] == [
            (True, False),
            (False, True),
            (True, False),
        ]
        assert not [m for m in session.client.log_messages if "Traceback" in m.message]
    finally:
        await session.client.shutdown_session()
        emulator.stop()
