"""One behaviour table, three faces: the command line, the magic and the language server's create command give the
same outcome and message for the same input, because all three call the same workflow.

Each row runs through the real interfaces: the installed CLI as a subprocess, the magic in an IPython shell,
the server over stdio with pytest-lsp; all against the emulator over loopback HTTP.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from lsprotocol import types

from infisical_tokens.core import cli, command, outcomes, render, workflows
from infisical_tokens.core.check_report import CheckReport
from infisical_tokens.core.context import Context
from infisical_tokens.core.errors import UsageError as CoreUsageError
from infisical_tokens.core.migration import Migrated, MigratePreview
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


def test_a_rotation_preview_reads_alike(
    run: Runner, new_emulator: Emulator, world: Seeded, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rotate --dry-run`` names the old token by its ID in the magic as on the command line (the magic's text had
    drifted: it printed the name alone)."""
    link_project(run.cwd, world.project.id)
    created = run("service-token", "create", "-s", "dev:/", "-a", "read", "-n", "old", "--json", env=env)
    token_id = json.loads(created.stdout)["id"]
    row = Row("rotation preview", ["rotate", token_id, "--dry-run"], True, f"service token 'old' ({token_id}).")
    for face, (ok, text) in {
        "cli": via_cli(run, row, env),
        "magic": via_magic(row, env, run.cwd, monkeypatch),
    }.items():
        assert ok and f"Then delete the old {row.message}" in text, f"{face}: {text}"
    assert len(new_emulator.requests_to("POST", "/api/v2/service-token")) == 1  # the create above: a preview sends none


# ---------------------------------------------------------------------- one table from command to workflow


def test_every_command_has_exactly_its_own_workflow() -> None:
    assert set(workflows.WORKFLOWS) == set(command.ALL_COMMANDS)
    for sub, workflow in workflows.WORKFLOWS.items():
        assert workflow.__name__ == f"_run_{sub.name}"
    assert len(set(workflows.WORKFLOWS.values())) == len(workflows.WORKFLOWS)


def test_a_new_subcommand_cannot_reach_another_workflow(tmp_path: Path) -> None:
    """A subcommand added to the model but not to the table is refused, never run as delete (the old last branch)."""
    revoke = command.Subcommand("revoke", "Revoke a token", (command.PROJECT_ID,))
    assert revoke.name not in command.SUBCOMMANDS  # a command that does not exist, whatever is added later
    parsed = command.ParsedCommand(["service-token", "revoke"], subcommand=revoke)
    ctx = Context({}, tmp_path, tmp_path, confirm=lambda _label: pytest.fail("asked to confirm"))
    with pytest.raises(CoreUsageError, match="unknown command: service-token revoke"):
        workflows.run(parsed, ctx)


def _outcome_types() -> set[type]:
    found: set[type] = set()
    for workflow in workflows.WORKFLOWS.values():
        hints = {
            "CheckReport": CheckReport,
            "Migrated": Migrated,
            "MigratePreview": MigratePreview,
        }  # imported where used
        hint = typing.get_type_hints(workflow, vars(outcomes) | vars(workflows) | hints)["return"]
        found |= set(typing.get_args(hint)) or {hint}
    return found


def test_the_outcome_types_are_found() -> None:
    """The tests below compare against what the workflows return: they see every kind there is, or they prove nothing."""
    known = {outcomes.Created, outcomes.DryRun, outcomes.TokenList, outcomes.Rotated, outcomes.CompletionScript}
    assert known | {CheckReport, Migrated, MigratePreview} <= _outcome_types()


def _presented(kind: type) -> bool:
    """What every face looks up: an entry of the table, or the outcome type's own text (and json) methods."""
    try:
        render.presentations()[kind]
    except KeyError:
        return False
    return True


def test_every_outcome_has_one_presentation() -> None:
    assert all(_presented(kind) for kind in _outcome_types())
    assert set(render.presentations()) <= _outcome_types()  # no entry left for an outcome no workflow returns


@dataclass(frozen=True)
class _Greeting:
    """An outcome that carries its own presentation, as a new outcome type beside its workflow would."""

    word: str
    stream: typing.ClassVar[str] = "err"

    def text(self) -> str:
        return f"Hello, {self.word}.\n"

    def json(self) -> dict[str, str]:
        return {"greeted": self.word}


@dataclass(frozen=True)
class _Mute:
    word: str


def test_an_outcome_without_an_entry_or_its_own_text_has_no_presentation() -> None:
    """The check above can fail: an outcome type with neither is found missing, one with its own text is not."""
    assert not _presented(_Mute) and _presented(_Greeting)
    own = render.presentations()[_Greeting]
    assert own.text(_Greeting("you")) == "Hello, you.\n" and own.stream == "err"
    assert own.json is not None and own.json(_Greeting("you")) == {"greeted": "you"}
    assert _Greeting not in render.presentations()  # the fallback is not kept in the shared table


@pytest.mark.parametrize("overrides", [cli.overrides(), magic.overrides()], ids=["cli", "magic"])
def test_a_face_overrides_only_outcomes_that_exist(overrides: dict[type, object]) -> None:
    assert overrides and set(overrides) <= _outcome_types()


def test_every_command_has_a_server_route_or_a_reason_not_to() -> None:
    """A workflow reaches the editor through the generic route, a route of its own (it carries a secret), or it is
    the command line's only, with the reason said: a new subcommand cannot be forgotten by the server."""
    from infisical_tokens.lsp import serve, token_commands
    from infisical_tokens.lsp.server import server

    generic = {route.subcommand for route in token_commands.ROUTES.values()}
    special, cli_only = set(protocol.SPECIAL), set(protocol.CLI_ONLY)
    assert {command.LIST, command.DELETE, command.AUDIT} <= generic
    assert {command.CREATE, command.ROTATE, command.MIGRATE} <= special
    assert not generic & special and not generic & cli_only and not special & cli_only
    assert generic | special | cli_only == set(workflows.WORKFLOWS)
    assert all(protocol.CLI_ONLY.values())
    registered = set(server.protocol.fm.commands)
    assert serve.HANDLERS and {*token_commands.ROUTES, *protocol.SPECIAL.values()} <= registered
    assert {*token_commands.ROUTES, *protocol.SPECIAL.values()} <= set(protocol.COMMANDS)
    others = set(protocol.COMMANDS) - set(token_commands.ROUTES)
    assert len(token_commands.ROUTES) == len(generic) and not others & set(token_commands.ROUTES)  # no name taken


def test_the_extensions_route_names_and_answers_are_kept() -> None:
    """The extension calls these names and reads these shapes: the naming rule and the generic answer leave them."""
    from infisical_tokens.lsp import token_commands

    kept = {
        "infisical.server.listTokens": command.LIST,
        "infisical.server.deleteServiceToken": command.DELETE,
        "infisical.server.auditServiceTokens": command.AUDIT,
    }
    # a subset: a new command gets a route of its own by the naming rule, and these three stay as they are
    assert kept.items() <= {name: route.subcommand for name, route in token_commands.ROUTES.items()}.items()
    assert protocol.COMMANDS[protocol.LIST_TOKENS] == (protocol.DocumentArgs, protocol.TokensAnswer)
    assert protocol.COMMANDS[protocol.DELETE] == (protocol.TokenArgs, protocol.DeleteAnswer)
    assert protocol.COMMANDS[protocol.AUDIT] == (protocol.DocumentArgs, protocol.AuditAnswer)


# ---------------------------------------------------------------------- adding a subcommand, walked through

_GREET = command.Subcommand(
    "say-hello",
    "Greet someone (a throwaway subcommand: it exists in this test only)",
    (command.PROJECT_ID, command.JSON),
    (command.Positional("WORD", "who to greet", required=True),),
)


def _run_say_hello(parsed: command.ParsedCommand, ctx: Context) -> _Greeting:
    return _Greeting(f"{parsed.positionals[0][1]} of {parsed.string('projectId')}")


@pytest.fixture
def greet(monkeypatch: pytest.MonkeyPatch) -> command.Subcommand:
    """The walk-through's two steps, in our own tables for this test: the definition and its workflow."""
    assert _GREET.name not in command.SUBCOMMANDS
    monkeypatch.setitem(command.SUBCOMMANDS, _GREET.name, _GREET)
    monkeypatch.setitem(
        typing.cast(dict[command.Subcommand, workflows.Workflow], workflows.WORKFLOWS), _GREET, _run_say_hello
    )
    return _GREET


async def test_a_new_subcommand_with_its_own_outcome_reaches_every_face(
    greet: command.Subcommand, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A definition, a workflow and an outcome with its own text and json: the command line, the magic and the
    language server's generic route all present it, and the protocol (so protocol.ts) names and types it."""
    import io

    from infisical_tokens.lsp import token_commands
    from infisical_tokens.lsp.server import InfisicalLanguageServer

    monkeypatch.chdir(tmp_path)
    ctx = Context({}, tmp_path, tmp_path, confirm=lambda _label: pytest.fail("asked to confirm"))
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["service-token", "say-hello", "--projectId", "p1", "world"], ctx, cli.Console(out, err, None))
    assert (code, out.getvalue(), err.getvalue()) == (0, "", "Hello, world of p1.\n")
    out = io.StringIO()
    code = cli.run(
        ["service-token", "say-hello", "--projectId=p1", "--json", "world"], ctx, cli.Console(out, err, None)
    )
    assert code == 0 and json.loads(out.getvalue()) == {"greeted": "world of p1"}

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "infisical_tokens.magics")
    try:
        with capture_output() as captured:
            shell.run_line_magic("infisical", "service-token say-hello --projectId=p1 magic")
    finally:
        shell.run_line_magic("unload_ext", "infisical_tokens.magics")
        InteractiveShell.clear_instance()
    assert "Hello, magic of p1." in captured.stdout + captured.stderr

    name = "infisical.server.sayHello"
    assert protocol.routed()[name] is greet
    assert protocol.commands()[name] == (protocol.CommandArgs, protocol.CommandAnswer)
    assert f'"{name}"' in protocol.typescript() and "export interface CommandAnswer" in protocol.typescript()
    ls = InfisicalLanguageServer()
    ls.ready.set()
    request = {"uri": (tmp_path / "a.sh").as_uri(), "projectId": "p1", "args": ["lsp"]}
    answer = await token_commands.run_command(ls, request, token_commands.Route(greet))
    assert answer == {"ok": True, "message": "Hello, lsp of p1.", "result": {"greeted": "lsp of p1"}}


async def test_the_servers_generic_route_answers_what_the_command_line_prints(
    run: Runner, world: Seeded, env: dict[str, str]
) -> None:
    """listTokens, auditServiceTokens and deleteServiceToken answer the outcome's one JSON form (the command line's
    ``--json``) and its text (what the command line prints), because both run the same workflow and presentation."""
    link_project(run.cwd, world.project.id)
    made = run("service-token", "create", "-s", "prod:/**", "-a", "read,write", "-n", "route", "--json", env=env)
    token_id = json.loads(made.stdout)["id"]
    listed, audited = run("service-token", "list", "--json", env=env), run("service-token", "audit", "--json", env=env)
    table = run("service-token", "list", env=env).stdout
    client = await start("visual-studio-code", run.cwd, env, {"clientHandlesTokens": True})
    uri = (run.cwd / "a.sh").as_uri()

    async def ask(name: str, **arguments: str) -> dict[str, typing.Any]:
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=[{"uri": uri, **arguments}])
        )
        assert isinstance(answer, dict) and answer["ok"] is True, answer
        return answer

    try:
        tokens = await ask(protocol.LIST_TOKENS)
        audit = await ask(protocol.AUDIT)
        deleted = await ask(protocol.DELETE, tokenId=token_id)
    finally:
        await client.shutdown_session()
    assert tokens["tokens"] == json.loads(listed.stdout) and tokens["message"] == table.strip()
    assert {k: audit[k] for k in ("projectId", "tokens", "findings")} == json.loads(audited.stdout)
    assert audit["findings"] and deleted["deleted"]["id"] == token_id
    assert deleted["message"] == f"Deleted service token 'route' ({token_id})."
