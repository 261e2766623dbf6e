"""The generic route never lets a client choose where the login goes: ``--domain`` among a request's ``args`` is
refused, so only the user's ``infisical.apiUrl`` setting (or their environment) decides. Driven over stdio against
the real server (:mod:`tests.routed_server`), with a second emulator standing where a client would steer it."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import base_env
from tests.emulator import Emulator, Seeded, seed
from tests.lsp_harness import Session, link, start

pytestmark = pytest.mark.asyncio(loop_scope="module")
ROUTE = "infisical.server.where"
REFUSAL = (
    "The editor does not take --domain: the infisical.apiUrl setting decides where the login goes "
    "(or INFISICAL_DOMAIN, or the instance you logged in to)."
)  # spelled out, not imported: the answer a client sees is what this file holds to


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Session, Emulator]]:
    """A server logged in to one emulator, and another emulator a client would like the login sent to."""
    emulator, elsewhere = Emulator("new").start(), Emulator("new").start()
    world = seed(emulator)
    seed(elsewhere)
    root = tmp_path_factory.mktemp("route")
    link(root, world.project.id)
    home = root / "home"
    home.mkdir()
    env = {**base_env(home), "INFISICAL_TOKEN": emulator.state.issue_jwt(world.admin), "INFISICAL_DOMAIN": emulator.url}
    server = [sys.executable, "-m", "tests.routed_server"]
    client = await start("visual-studio-code", root, env, {"clientHandlesTokens": True}, server=server)
    yield Session(client, root, "visual-studio-code", emulator, world), elsewhere
    await client.shutdown_session()
    emulator.stop()
    elsewhere.stop()


async def where(session: Session, *args: str) -> dict[str, Any]:
    answer = await session.command(ROUTE, {"uri": (session.root / "a.sh").as_uri(), "args": list(args)})
    assert isinstance(answer, dict), answer
    return answer


async def test_the_route_runs_a_command_with_words_at_the_users_instance(
    session: tuple[Session, Emulator],
) -> None:
    """The route this file tests is live: without --domain the command logs in where the user said and answers."""
    ours, elsewhere = session
    assert isinstance(ours.world, Seeded) and ours.emulator is not None
    answer = await where(ours)
    assert answer["ok"] is True and isinstance(answer["result"], list), answer
    assert ours.emulator.requests_to("GET", "/api/"), "the login never reached the user's instance"
    assert elsewhere.requests == []


@pytest.mark.parametrize("args", [["--domain", "{url}"], ["--domain={url}"], ["--json", "--domain", "{url}"]])
async def test_domain_in_a_requests_args_is_refused_and_nothing_is_sent(
    session: tuple[Session, Emulator], args: list[str]
) -> None:
    ours, elsewhere = session
    answer = await where(ours, *(word.format(url=elsewhere.url) for word in args))
    assert answer == {"ok": False, "message": REFUSAL}
    assert elsewhere.requests == [], "the login went where the client said"
