"""Issue 18: every scope form of the reference table is created on both server generations, read as a client reads
(``GET /api/v3/secrets/raw`` with ``Bearer st.…``), and the dry run (command line), the hover (the language server
over stdio) and ``audit`` must each say what those reads really gave: the pinned folder, the 500s, the empty lists,
and never a 403 where the server answers 200."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from lsprotocol import types

from infisical_tokens.core.reach import answer
from tests.conftest import Runner, base_env, link_project
from tests.emulator import Emulator, Seeded, seed
from tests.emulator.client import create_token, read_secrets
from tests.lsp_harness import Session, start

# the status, not three digits inside the request body's random bytes or a UUID (which made this flaky)
FORBIDDEN = re.compile(r"\b403\b")
READS = [("dev", "/backend"), ("dev", "/"), ("dev", "/frontend"), ("staging", "/"), ("dev", "backend")]
GENERATION = {"old": "2024", "new": "2026"}
FORMS: list[tuple[str, list[tuple[str, str]]]] = [
    ("dev-backend-bare", [("dev", "backend")]),
    ("dev-empty", [("dev", "")]),
    ("dev-backend-exact", [("dev", "/backend")]),
    ("dev-backend-glob", [("dev", "/backend/**")]),
    ("bare-and-staging", [("dev", "backend"), ("staging", "/")]),
    ("empty-and-staging", [("dev", ""), ("staging", "/")]),
    ("exact-and-staging", [("dev", "/backend"), ("staging", "/")]),
    ("empty-then-exact", [("dev", ""), ("dev", "/backend")]),
    ("exact-then-empty", [("dev", "/backend"), ("dev", "")]),
]
REFUSED = {"dev-backend-bare", "dev-empty", "bare-and-staging", "empty-and-staging", "empty-then-exact",
           "exact-then-empty"}  # fmt: skip

Outcome = int | frozenset[tuple[str, str]]  # an error status, or the (environment, folder) of every secret read


@dataclass(frozen=True)
class Said:
    """What the reads showed, as the phrases a face must use: about the token itself, and about reads outside."""

    token: list[str]
    outside: list[str]
    denied: bool  # some read answered 403


def read(emulator: Emulator, token: str, project_id: str, env: str, path: str) -> Outcome:
    answered = read_secrets(emulator, token, project_id, env, path)
    if answered.status_code != 200:
        return answered.status_code
    return frozenset((s["environment"], s["secretPath"]) for s in answered.json()["secrets"])


def expected_from(outcomes: list[Outcome], generation: str) -> Said:
    """The phrases the reads call for, derived from what the server answered (not from the core's model); a read
    asked without the leading ``/`` is refused (2024) or empty (2026) when no scope matched it, so an empty list
    on 2024, or a folder on 2026, says a scope matched the bare path as written."""
    denied = 403 in outcomes
    if len(set(outcomes)) == 1:
        only = outcomes[0]
        if only == 500:
            return Said(["every read fails with HTTP 500"], [], denied)
        if only == frozenset():
            return Said(["every read gets an empty list"], [], denied)
        if isinstance(only, frozenset) and len(only) == 1:
            env, folder = next(iter(only))
            return Said([f"every read gets the secrets of {folder} in '{env}'"], [], denied)
    token, outside = [], []
    for (env, path), got in zip(READS, outcomes, strict=True):
        if got == 500:
            token.append(f"reads in '{env}' that no later scope allows fail with HTTP 500")
        elif not path.startswith("/") and got in (
            {(env, "/" + path)},
            *([frozenset()] if generation == "2024" else []),
        ):
            asked = f"only a client asking for '{path}', not '/{path}', matches it, and gets"
            token.append(f"{asked} the secrets of /{path}" if got else f"{asked} an empty list")
        elif got == 403:
            outside.append("is refused (403 PermissionDenied)")
        elif got == frozenset():
            outside.append("gets an empty list (200, no secrets)")
        else:
            assert got == frozenset({(env, path)}), got  # a read in scope gets the folder it asked for
    return Said(sorted(set(token)), sorted(set(outside)), denied)


def scope_flags(scopes: list[tuple[str, str]]) -> list[str]:
    return [f"--scope={env}:{path}" for env, path in scopes]


def says(text: str, phrase: str, generation: str, known: bool) -> bool:
    """The phrase is said for this generation: alone when the face knew the server, else beside its name."""
    return phrase in text and (known or f"on a {generation} server" in text)


@pytest.fixture(params=["old", "new"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, Seeded]]:
    with Emulator(request.param, rate_limit=None) as emulator:
        yield emulator, seed(emulator)


async def editor_says(
    emulator: Emulator, world: Seeded, run: Runner, env: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The hover over each form's first path, and the scope diagnostics of its line, from the language server with
    its catalog loaded (so it knows the server's generation)."""
    root = run.cwd / "editor"
    root.mkdir()
    link_project(root, world.project.id)
    client = await start("visual-studio-code", root, env, {"clientHandlesTokens": True})
    session = Session(client, root, "visual-studio-code", emulator, world)
    try:
        refreshed = await session.command("infisical.server.refreshCatalog", {"projectId": world.project.id})
        assert refreshed["online"], refreshed
        found, diagnosed = {}, {}
        for name, scopes in FORMS:
            line = " ".join(["infisical service-token create", *scope_flags(scopes), "-a read"])
            uri = await session.open("deploy.sh", "shellscript", line + "\n")
            diagnostics = await session.diagnostics(uri)
            diagnosed[name] = " ".join(d.message for d in diagnostics if str(d.code).startswith("scope-"))
            env_name = scopes[0][0]
            column = line.index("--scope=") + len("--scope=") + len(env_name) + 1
            result = await client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, column)
                )
            )
            assert result is not None and isinstance(result.contents, types.MarkupContent), name
            found[name] = re.sub(r"\\(.)", r"\1", result.contents.value)  # Markdown escapes off
        return found, diagnosed
    finally:
        await client.shutdown_session()


async def test_every_scope_form_reads_what_every_face_said(server: tuple[Emulator, Seeded], run: Runner) -> None:
    emulator, world = server
    generation = GENERATION[emulator.mode]
    env = {
        **base_env(run.home),
        "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin),
        "INFISICAL_DOMAIN": emulator.url,
    }
    jwt = emulator.state.issue_jwt(world.admin)
    tokens = {name: create_token(emulator, jwt, world.project.id, scopes) for name, scopes in FORMS}
    reads = {name: [read(emulator, tokens[name], world.project.id, e, p) for e, p in READS] for name, _ in FORMS}
    audit = run("service-token", "audit", "--json", "--fail-on", "never", "--projectId", world.project.id, env=env)
    assert audit.code == 0, audit.output
    findings = json.loads(audit.stdout)["findings"]
    hovered, diagnosed = await editor_says(emulator, world, run, env)
    other = {"2024": "2026", "2026": "2024"}[generation]

    for name, scopes in FORMS:
        got = reads[name]
        # the core's model agrees with the server, read by read
        for (e, p), outcome in zip(READS, got, strict=True):
            modelled = answer(scopes, generation, e, p)  # type: ignore[arg-type]
            assert outcome == (frozenset({modelled.folder}) if modelled.folder else frozenset()) or (
                outcome == modelled.status
            ), (name, e, p, outcome, modelled)
        said = expected_from(got, generation)

        dry = run("service-token", "create", *scope_flags(scopes), "-a", "read", "--dry-run", "--projectId",
                  world.project.id, env=env)  # fmt: skip
        refused = name in REFUSED  # an empty or unrooted path: refused, after asking the server its generation
        assert (dry.code != 0) == refused, (name, dry.output)
        assert f"by a {generation} server" in dry.output or refused, dry.output
        for phrase in [*said.token, *said.outside]:
            assert says(dry.output, phrase, generation, True), (name, phrase, dry.output)
            assert says(hovered[name], phrase, generation, True), (name, phrase, hovered[name])
            if refused:  # its diagnostic says what this server does with it, alone
                assert says(diagnosed[name], phrase, generation, True), (name, phrase, diagnosed[name])
        for text in [dry.output, hovered[name], *([diagnosed[name]] if refused else [])]:
            assert f"{other} server" not in text, (name, text)
        for text in [dry.output, hovered[name]]:
            assert FORBIDDEN.search(text) if said.denied else True, (name, text)
            assert not FORBIDDEN.search(text) if generation == "2026" else True, (name, text)  # 2026: 200, empty

        mine = [f for f in findings if f["tokenId"] == tokens[name].split(".")[1]]
        audit_text = " ".join(f"{f['message']} {f['hint']}" for f in mine)
        for phrase in said.token:
            assert phrase in audit_text, (name, phrase, mine)
        if all(outcome in (500, frozenset()) for outcome in got):
            assert "token-scope-reads-nothing" in {f["code"] for f in mine}, (name, mine)
        if said.token and said.token[0].startswith("every read gets the secrets of"):
            assert "token-pinned" in {f["code"] for f in mine}, (name, mine)
        assert not FORBIDDEN.search(audit_text)
    for token in tokens.values():
        assert token not in audit.output + json.dumps(hovered)
