"""Random and hostile input: the editor engine and the server never raise, whatever they are fed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from infisical_tokens.core import editor
from infisical_tokens.core.filetypes import FILE_TYPES, Kind
from infisical_tokens.core.models import Environment, ProjectInfo
from infisical_tokens.core.snapshot import Snapshot
from tests.conftest import base_env
from tests.lsp_harness import Session, link, start

KINDS: list[Kind | None] = [*(row.kind for row in FILE_TYPES), None]  # every row, and a document of none
SNAPSHOT = Snapshot(
    "p",
    (Environment("Development", "dev"), Environment("Production", "prod")),
    {"dev": ("/", "/backend", "/backend/api"), "prod": ("/",)},
    (ProjectInfo("p", "Demo", "demo", ()),),
    True,
)
FRAGMENTS = [
    "infisical",
    "service-token",
    "create",
    "list",
    "--scope=",
    "--scope",
    "-s",
    "-sdev:",
    "dev:",
    "prod:",
    "/",
    "**",
    "*",
    "backend",
    '"',
    "'",
    "\\\n",
    "\\",
    ",",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    " ",
    "\t",
    "\n",
    "\r\n",
    "%infisical",
    "```sh\n",
    "```\n",
    '{"',
    '":',
    '"defaultEnvironment"',
    ":",
    "run: |\n",
    "- run: ",
    "#",
    "$(",
    "`",
    "-a",
    "read",
    "--access-level=",
    "-e",
    "0x",
    "=",
    "é",
    "😀",
    "\u2028",
    "\ud800",
    "\x00",
    "--projectId=",
    "--",
    "-",
]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text, kind=st.sampled_from(KINDS), where=st.floats(0, 1), online=st.booleans())
def test_analysis_never_raises(text: str, kind: Kind | None, where: float, online: bool) -> None:
    snapshot = SNAPSHOT if online else Snapshot("p")
    offset = int(len(text) * where)
    findings = editor.diagnose(text, kind, editor.DocumentContext(snapshot))
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text)
        if f.fix is not None:
            assert 0 <= f.fix.start <= f.fix.end <= len(text)
    for item in editor.complete(text, kind, offset, editor.DocumentContext(snapshot)).items:
        assert 0 <= item.start <= item.end <= len(text)
    info = editor.hover(text, kind, offset, editor.DocumentContext(snapshot))
    assert info is None or 0 <= info.start <= info.end <= len(text)
    editor.actions(text, kind, 0, offset, editor.DocumentContext(snapshot), findings)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 50_000,
        '{"a":' * 20_000,
        "infisical service-token create " + "-s dev:/a " * 20_000,
        '"' + "x" * 200_000,
        "infisical service-token create --scope=" + "{" * 5_000 + "\n",
        "infisical service-token create -s 'dev:/" + "\\" * 10_000,
    ],
    ids=["deep-array", "deep-object", "many-flags", "long-string", "many-braces", "backslashes"],
)
@pytest.mark.parametrize("kind", ["shell", "project-json", "markdown"])
def test_hostile_documents(text: str, kind: Kind) -> None:
    editor.diagnose(text, kind, editor.DocumentContext(SNAPSHOT))
    editor.complete(text, kind, len(text), editor.DocumentContext(SNAPSHOT))
    editor.hover(text, kind, len(text) // 2, editor.DocumentContext(SNAPSHOT))


@pytest.mark.asyncio
async def test_server_survives_a_10_mb_file_and_odd_text(tmp_path: Path) -> None:
    link(tmp_path, "p")
    home = tmp_path / "home"
    home.mkdir()
    client = await start("visual-studio-code", tmp_path, base_env(home))
    session = Session(client, tmp_path, "visual-studio-code")
    line = "echo padding padding padding padding padding padding padding padding padding padding\n"
    big = line * (10 * 1024 * 1024 // len(line)) + "infisical service-token create -s dev: -a read\n"
    uri = await session.open("big.sh", "shellscript", big)
    assert [d.code for d in await session.diagnostics(uri, timeout=60)] == ["scope-empty-path"]
    odd = "infisical service-token create -s 'd\ud800ev:/x\u2028' -a re\x00ad\n%infisical 😀"
    odd_uri = await session.open("odd.sh", "shellscript", odd)
    await session.diagnostics(odd_uri)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=odd_uri), position=types.Position(0, 40))
    )
    assert result is not None
    await asyncio.wait_for(client.shutdown_session(), 30)
