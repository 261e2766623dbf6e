"""The language server gives its last completion answer again when asked again exactly as then (see
``convert.CompletionWriter``): these hold that answer to what a fresh question answers after each thing that can
change it (an edit, a catalog refresh, a settings change, another position), over stdio as an editor asks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from lsprotocol import types

from tests.lsp_harness import Session, cursor, logged_in

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def online(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Session]:
    """A server of its own (these tests change its settings and its emulator's folders), its catalog loaded."""
    async with logged_in(tmp_path_factory.mktemp("again"), "visual-studio-code") as session:
        yield session


async def complete(session: Session, uri: str, at: types.Position) -> types.CompletionList:
    result = await session.client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at)
    )
    assert isinstance(result, types.CompletionList)
    return result


async def until(
    session: Session, uri: str, at: types.Position, holds: Callable[[types.CompletionList], bool]
) -> types.CompletionList:
    """The answer at ``at`` once ``holds`` it (a notification or a catalog update is handled on its own turn)."""
    deadline = asyncio.get_running_loop().time() + 10
    while not holds(answer := await complete(session, uri, at)):
        assert asyncio.get_running_loop().time() < deadline, [i.label for i in answer.items]
        await asyncio.sleep(0.05)
    return answer


def labels(answer: types.CompletionList) -> list[str]:
    return [item.label for item in answer.items]


async def test_asked_again_it_answers_as_the_first_time_and_elsewhere_as_a_fresh_document(online: Session) -> None:
    text, at = cursor("infisical service-token create --scope=dev:/|\n")
    uri = await online.open("deploy.sh", "shellscript", text)
    first = await complete(online, uri, at)
    assert "/backend/" in labels(first) and await complete(online, uri, at) == first
    on_env = types.Position(at.line, at.character - 3)  # on "dev": the environments, not the folders
    elsewhere = await complete(online, uri, on_env)
    assert "staging" in labels(elsewhere) and "/backend/" not in labels(elsewhere)
    assert elsewhere == await complete(online, await online.open("fresh.sh", "shellscript", text), on_env)
    assert await complete(online, uri, at) == first


async def test_after_an_edit_it_answers_for_the_new_text(online: Session) -> None:
    """The same position in a text of the same length: only the document's version says the answer changed."""
    text, at = cursor("infisical service-token create --scope=dev:/|\n")
    uri = await online.open("deploy.sh", "shellscript", text)
    before = await complete(online, uri, at)
    edited = text.replace("dev:/", "stg:/")
    await online.change(uri, edited)
    after = await complete(online, uri, at)
    assert after == await complete(online, await online.open("fresh.sh", "shellscript", edited), at)
    assert "/backend/" in labels(before) and "/backend/" not in labels(after)


async def test_after_a_catalog_refresh_it_answers_from_the_new_catalog(online: Session) -> None:
    assert online.emulator is not None and online.world is not None
    text, at = cursor("infisical service-token create --scope=dev:/|\n")
    uri = await online.open("deploy.sh", "shellscript", text)
    assert "/added/" not in labels(await complete(online, uri, at))
    online.emulator.state.add_folder(online.world.project, "dev", "/added")
    refreshed = await online.command("infisical.server.refreshCatalog", {"projectId": online.world.project.id})
    assert refreshed["online"]
    after = await until(online, uri, at, lambda answer: "/added/" in labels(answer))
    assert after == await complete(online, await online.open("fresh.sh", "shellscript", text), at)


async def test_after_a_settings_change_it_answers_under_the_new_settings(online: Session) -> None:
    text, at = cursor("infisical service-token create --scope=dev:/|\n")
    uri = await online.open("deploy.sh", "shellscript", text)
    before = await complete(online, uri, at)
    assert not before.is_incomplete and "/backend/" in labels(before)
    online.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"infisical": {"offline": True}})
    )
    after = await until(online, uri, at, lambda answer: answer.is_incomplete)
    assert "/backend/" not in labels(after)  # offline: no catalog to list folders from
    assert after == await complete(online, await online.open("fresh.sh", "shellscript", text), at)
