"""One behaviour table, three faces: the command line, the magic and the language server's create command give the
same outcome and message for the same input, because all three call the same workflow.

Each row runs through the real interfaces: the installed CLI as a subprocess, the magic in an IPython shell,
the server over stdio with pytest-lsp; all against the emulator over loopback HTTP.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from lsprotocol import types

from infisical_tokens.core import cli, command, workflows
from infisical_tokens.core.errors import UsageError as CoreUsageError
from infisical_tokens.core.outcomes import CheckReport
from infisical_tokens.lsp import protocol
from infisical_tokens.magics import magic
from tests.conftest import Runner, base_env, link_project
from tests.emulator import Emulator, Seeded, seed
from tests.lsp_harness import start

MISSING_PROJECT = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Row:
    name: str
    argv: list[str]  # after `service-token`
    ok: bool
    message: str
    logged_in: bool = True
    setup: Callable[[Emulator, Seeded], None] = field(default=lambda _e, _w: None)
    faces: tuple[str, ...] = ("cli", "magic", "lsp")


def _folder_walk_fails(emulator: Emulator, world: Seeded) -> None:
    tree = f"/api/v1/projects/{world.project.id}/environment-folder-tree"
    emulator.add_fault("status", method="GET", path=tree, status=500, times=10)


ROWS = [
    Row("unknown environment", ["create", "-s", "nope:/", "-a", "read"], False, "Environment 'nope' does not exist"),
    Row(
        "a project that does not exist",
        ["create", "-s", "dev:/", "-a", "read", "--projectId", MISSING_PROJECT],
        False,
        "This project does not exist, or it is not yours. Check the project ID (it came from --projectId)",
    ),
    Row("no credentials", ["create", "-s", "dev:/", "-a", "read"], False, "You must be logged in", logged_in=False),
    Row(
        "offline dry run",
        ["create", "-s", "dev:/backend/**", "-a", "read", "--dry-run"],
        True,
        "Folder coverage: unavailable",
        logged_in=False,
    ),
    Row(
        "a server error during the folder walk",
        ["create", "-s", "dev:/backend/**", "-a", "read", "--dry-run"],
        True,
        "Folder coverage: unavailable",
        setup=_folder_walk_fails,
    ),
    Row("a malformed scope", ["create", "-s", "dev:/a:b", "-a", "read"], False, "--scope flag is malformed"),
    Row("an online dry run", ["create", "-s", "dev:/backend/**", "-a", "read", "--dry-run"], True, "/backend/api"),
    Row(
        "a pinned token's dry run",
        ["create", "-s", "dev:/backend", "-a", "read", "--dry-run"],
        True,
        "the token is pinned: every read gets the secrets of /backend in 'dev'",
    ),
    Row(
        "a glob's dry run never promises a 403 on a 2026 server",
        ["create", "-s", "dev:/backend/**", "-a", "read", "--dry-run"],
        True,
        "A read outside these folders gets an empty list (200, no secrets).",
    ),
]


@pytest.fixture
def world(new_emulator: Emulator) -> Seeded:
    return seed(new_emulator)


@pytest.fixture
def env(new_emulator: Emulator, world: Seeded, tmp_path: Path) -> Iterator[dict[str, str]]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    yield {
        **base_env(home),
        "INFISICAL_TOKEN": new_emulator.state.issue_jwt(world.admin),
        "INFISICAL_DOMAIN": new_emulator.url,
    }


def _env_for(row: Row, env: dict[str, str]) -> dict[str, str]:
    return env if row.logged_in else {k: v for k, v in env.items() if k != "INFISICAL_TOKEN"}


def via_cli(run: Runner, row: Row, env: dict[str, str]) -> tuple[bool, str]:
    result = run("service-token", *row.argv, env=_env_for(row, env))
    return result.code == 0, result.output


def via_magic(row: Row, env: dict[str, str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[bool, str]:
    for key in ("INFISICAL_TOKEN", "INFISICAL_PROJECT_ID"):
        monkeypatch.delenv(key, raising=False)
    for key, value in _env_for(row, env).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(folder)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "infisical_tokens.magics")
    try:
        with capture_output() as captured:
            result = shell.run_line_magic("infisical", " ".join(["service-token", *row.argv]))
        return True, captured.stdout + captured.stderr + repr(result)
    except UsageError as err:
        return False, str(err)
    finally:
        shell.run_line_magic("unload_ext", "infisical_tokens.magics")
        InteractiveShell.clear_instance()


async def via_lsp(row: Row, env: dict[str, str], folder: Path) -> tuple[bool, str]:
    client = await start("visual-studio-code", folder, _env_for(row, env), {"clientHandlesTokens": True})
    try:
        arguments = protocol.CreateArgs(uri=(folder / "deploy.sh").as_uri(), argv=["service-token", *row.argv])
        if "--dry-run" in row.argv:
            arguments["dryRun"] = True
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=protocol.CREATE, arguments=[arguments])
        )
    finally:
        await client.shutdown_session()
    assert isinstance(answer, dict)
    return bool(answer["ok"]), str(answer.get("message") or answer.get("preview") or "")


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
async def test_same_outcome_and_message_in_every_face(
    row: Row,
    run: Runner,
    new_emulator: Emulator,
    world: Seeded,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link_project(run.cwd, world.project.id)
    row.setup(new_emulator, world)
    outcomes = {
        "cli": via_cli(run, row, env),
        "magic": via_magic(row, env, run.cwd, monkeypatch),
        "lsp": await via_lsp(row, env, run.cwd),
    }
    for face, (ok, text) in outcomes.items():
        assert ok is row.ok, f"{face}: {text}"
        assert row.message in text, f"{face}: {text}"
        assert env["INFISICAL_TOKEN"] not in text
    assert new_emulator.requests_to("POST", "/api/v2/service-token") == []  # no row creates anything


def test_a_held_token_is_viewed_alike(
    run: Runner, new_emulator: Emulator, world: Seeded, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``view`` without an ID describes the service token in INFISICAL_TOKEN (the command line and the magic)."""
    link_project(run.cwd, world.project.id)
    created = run("service-token", "create", "-s", "dev:/", "-a", "read", "-n", "held", "--token-only", env=env)
    held = {**env, "INFISICAL_TOKEN": created.stdout.strip()}
    row = Row("held token", ["view"], True, "Name:       held")
    for face, (ok, text) in {
        "cli": via_cli(run, row, held),
        "magic": via_magic(row, held, run.cwd, monkeypatch),
    }.items():
        assert ok and row.message in text, f"{face}: {text}"
        assert created.stdout.strip() not in text


# ---------------------------------------------------------------------- one table from command to workflow


def test_every_command_has_exactly_its_own_workflow() -> None:
    assert set(workflows.WORKFLOWS) == set(command.ALL_COMMANDS)
    for sub, workflow in workflows.WORKFLOWS.items():
        assert workflow.__name__ == f"_run_{sub.name}"
    assert len(set(workflows.WORKFLOWS.values())) == len(workflows.WORKFLOWS)


def test_a_new_subcommand_cannot_reach_another_workflow(tmp_path: Path) -> None:
    """A subcommand added to the model but not to the table is refused, never run as delete (the old last branch)."""
    rotate = command.Subcommand("rotate", "Rotate a token", (command.PROJECT_ID,))
    parsed = command.ParsedCommand(["service-token", "rotate"], subcommand=rotate)
    ctx = workflows.Context({}, tmp_path, tmp_path, confirm=lambda _label: pytest.fail("asked to confirm"))
    with pytest.raises(CoreUsageError, match="unknown command: service-token rotate"):
        workflows.run(parsed, ctx)


def _outcome_types() -> set[type]:
    found: set[type] = set()
    for workflow in workflows.WORKFLOWS.values():
        hint = typing.get_type_hints(workflow, vars(workflows) | {"CheckReport": CheckReport})["return"]
        found |= set(typing.get_args(hint)) or {hint}
    return found


@pytest.mark.parametrize("renderers", [cli.renderers(), magic.renderers()], ids=["cli", "magic"])
def test_every_outcome_has_a_renderer_in_every_face(renderers: dict[type, object]) -> None:
    outcomes = _outcome_types()
    assert len(outcomes) >= 6
    assert outcomes == set(renderers)
