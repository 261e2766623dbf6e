"""A completion answer given again is sent as JSON written once (``answering.Written``): these hold its bytes on
the wire to the bytes pygls writes of the same answer converted afresh, as the server answered before."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.protocol import JsonRPCResponseMessage

from infisical_tokens.core.editor import Completion, Completions
from infisical_tokens.core.record import replace
from infisical_tokens.lsp import convert
from infisical_tokens.lsp.server import InfisicalLanguageServer

TEXT = "# é😀\ninfisical service-token create --scope=dev:/ -a re\n"
ITEMS = [
    Completion("/**", "/**", 47, 48, "folder", "every folder", sort_text="0/**"),
    Completion("/svc0/", "/svc0/", 47, 48, "folder", "its subfolders next", sort_text="1/svc0/", retrigger=True),
    Completion('/caf\u00e9 "q"', '/caf\u00e9 "q"', 47, 48, "folder", "only it", sort_text="2/café"),
    Completion("read", "read", 52, 54, "value", "read secrets in the scopes"),
    Completion(
        "--scope=", "--scope=${1}", 52, 54, "flag", "-s", "Help, with <brackets>.", retrigger=True, snippet=True
    ),
    Completion("Demo", "0f1e", 52, 54, "project", "0f1e", filter_text="0f1e"),
]


class Wire:
    """The transport: what the protocol wrote, in bytes."""

    def __init__(self) -> None:
        self.sent = b""

    def write(self, data: bytes) -> None:
        self.sent += data

    def close(self) -> None:
        """Nothing to close."""


def sent(ls: InfisicalLanguageServer, msg_id: int | str, result: object) -> bytes:
    wire = Wire()
    ls.protocol.set_writer(wire, include_headers=True)
    ls.protocol._send_data(JsonRPCResponseMessage(id=msg_id, jsonrpc="2.0", result=result))
    return wire.sent


@pytest.mark.parametrize("msg_id", [7, "a-\u00e9"])
@pytest.mark.parametrize(("snippets", "retrigger", "incomplete"), [(True, True, False), (False, False, True)])
def test_an_answer_written_once_is_sent_as_pygls_sends_it(
    msg_id: int | str, snippets: bool, retrigger: bool, incomplete: bool
) -> None:
    """Each item is written from its JSON of before, around its range: the items moved (a keystroke before them)
    and those never written yet are written as afresh too."""
    ls = InfisicalLanguageServer()
    positions = convert.PositionMap(TEXT)
    writer = convert.CompletionWriter(ls.protocol._converter.unstructure)
    new = Completion("/svc1/", "/svc1/", 45, 48, "folder", "its subfolders next", sort_text="1/svc1/", retrigger=True)
    for items in (ITEMS, [replace(i, start=i.start + 1, end=i.end + 2) for i in ITEMS], [*ITEMS, new]):
        fresh = [convert.completion_item(i, positions, snippets=snippets, retrigger=retrigger) for i in items]
        converted = sent(ls, msg_id, types.CompletionList(is_incomplete=incomplete, items=fresh))
        asked = convert.Asked(None, TEXT, types.Position(1, 44), snippets=snippets, retrigger=retrigger)
        assert sent(ls, msg_id, writer.answer(asked, Completions(items, incomplete), positions).result) == converted
        assert b"\\u00e9" in converted  # escaped as json.dumps does, counted as pygls counts the length
        assert (b'"command": "editor.action.triggerSuggest"' in converted) == retrigger
