"""Differential: a document's index kept up to date edit by edit equals the index read afresh from its text.

The server applies each keystroke to the command lines and line starts it already knows
(``snippets.edit_commands``, ``PositionMap.edited``); these tests replay random edit sequences on random
documents and compare, after every edit, with a full rebuild (``find_commands``, a new ``PositionMap``).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from infisical_tokens.core import editor
from infisical_tokens.core.filetypes import FILE_TYPES, NOTHING, Kind
from infisical_tokens.core.snippets import CommandSite, edit_commands, find_commands
from infisical_tokens.lsp.convert import PositionMap
from infisical_tokens.lsp.lines import NEWLINE, LineStarts
from tests.test_robustness import SNAPSHOT

# every row of the table that has command lines (.infisical.json is diagnosed whole, not edit by edit), and none
KINDS: list[Kind | None] = [*(row.kind for row in FILE_TYPES if row.finder is not NOTHING), None]
FRAGMENTS = [
    "infisical service-token create --scope=dev:/a/** -a read",
    "infisical",
    "%infisical",
    "!infisical",
    "./bin/infisical-tokens",
    "service-token",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\\\n",
    "\\",
    '"',
    "'",
    "#",
    ";",
    "&&",
    "|",
    "`",
    "```sh\n",
    "```\n",
    "run: ",
    "RUN ",
    "-s dev:/x",
    " -s prod:/nowhere -a read --expiresIn=1d",
    "--scope=dev:/b{",
    "create --scope",
    "é",
    "😀",
    "x",
]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)


@st.composite
def edit_sequences(draw: st.DrawFn) -> tuple[str, list[tuple[float, float, str]]]:
    text = draw(texts)
    edits = draw(
        st.lists(
            st.tuples(st.floats(0, 1), st.floats(0, 1), st.lists(st.sampled_from(FRAGMENTS), max_size=3).map("".join)),
            min_size=1,
            max_size=12,
        )
    )
    return text, edits


def summary(site: CommandSite) -> tuple[object, ...]:
    return (site.start, site.limit, site.end, site.key, site.words)


def replay(text: str, edits: list[tuple[float, float, str]]) -> list[tuple[str, int, int, int]]:
    """The sequence of (new text, start, old end, new end) that ``edits`` make of ``text``."""
    steps = []
    for a, b, inserted in edits:
        start, end = sorted((int(a * len(text)), int(b * len(text))))
        new = text[:start] + inserted + text[end:]
        steps.append((new, start, end, start + len(inserted)))
        text = new
    return steps


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_sequences(), st.sampled_from(KINDS))
def test_commands_edited_equal_commands_found(case: tuple[str, list[tuple[float, float, str]]], kind: Kind) -> None:
    text, edits = case
    sites = find_commands(text, kind)
    for new, start, old_end, new_end in replay(text, edits):
        sites = edit_commands(sites, text, new, kind, start, old_end, new_end).sites
        assert [summary(s) for s in sites] == [summary(s) for s in find_commands(new, kind)]
        text = new


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_sequences(), st.sampled_from(list(types.PositionEncodingKind)))
def test_positions_edited_equal_positions_read(case: tuple[str, list[tuple[float, float, str]]], encoding: str) -> None:
    text, edits = case
    positions = PositionMap(text, encoding)
    for new, start, old_end, new_end in replay(text, edits):
        positions = positions.edited(new, start, old_end, new_end)
        fresh = PositionMap(new, encoding)
        assert list(positions.starts) == list(fresh.starts)
        assert positions.text is new
        assert [positions.position(o) for o in range(len(new) + 1)] == [fresh.position(o) for o in range(len(new) + 1)]
        places = [types.Position(line, c) for line in range(len(fresh.starts) + 1) for c in (0, 1, 3, 99)]
        assert [positions.offset(p) for p in places] == [fresh.offset(p) for p in places]
        text = new


@pytest.mark.parametrize(
    "text", ["a\x0cb\nc", "a\x1cb\x0b\n", "a\u2028b\r\nc\rd", "\u00e9\x85x\n", "plain\nlines\n", "no break", ""]
)
def test_line_starts_only_at_lsp_line_breaks(text: str) -> None:
    """A form feed, U+0085 or U+2028 starts no line in LSP: the fast path through str.splitlines, which breaks
    there too, is taken only for a text without them."""
    assert list(LineStarts(text)) == [0, *(match.end() for match in NEWLINE.finditer(text))]
    assert list(PositionMap(text).starts) == list(LineStarts(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_sequences(), st.sampled_from(KINDS), st.booleans())
def test_findings_edited_equal_findings_checked(
    case: tuple[str, list[tuple[float, float, str]]], kind: Kind, online: bool
) -> None:
    """What a keystroke re-checks (the lines it touched; the rest moved) equals checking the whole text."""
    text, edits = case
    context = editor.DocumentContext(SNAPSHOT) if online else editor.DocumentContext()
    sites = find_commands(text, kind)
    found = editor.diagnose(text, kind, context, sites)
    for new, start, old_end, new_end in replay(text, edits):
        edited = edit_commands(sites, text, new, kind, start, old_end, new_end)
        found = editor.diagnose_edit(found, edited, context)
        assert found == editor.diagnose(new, kind, context)
        sites, text = edited.sites, new


def test_a_long_script_keeps_its_far_command_lines() -> None:
    """An edit in the middle re-reads its own line; the command lines far from it are carried over."""
    lines = [f"infisical service-token create -s dev:/s{i} -a read\n" for i in range(1000)]
    text = "".join(lines)
    sites = find_commands(text, "shell")
    middle = sum(len(line) for line in lines[:500])
    new = text[:middle] + "x" + text[middle:]
    edited = edit_commands(sites, text, new, "shell", middle, middle, middle + 1)
    assert [summary(s) for s in edited.sites] == [summary(s) for s in find_commands(new, "shell")]
    assert len(edited.sites) == 999 and [s.key for s in edited.removed] == [sites[500].key] and not edited.added


def test_findings_after_the_edit_move_with_their_lines() -> None:
    lines = [f"infisical service-token create -s dev:/none{i} -a read\n" for i in range(100)]
    text = "".join(lines)
    context = editor.DocumentContext(SNAPSHOT)
    sites = find_commands(text, "shell")
    found = editor.diagnose(text, "shell", context, sites)
    middle = sum(len(line) for line in lines[:50]) + 3
    new = text[:middle] + "xyz" + text[middle:]
    edited = editor.diagnose_edit(found, edit_commands(sites, text, new, "shell", middle, middle, middle + 3), context)
    assert len(found) == 200 and edited == editor.diagnose(new, "shell", context)  # two per line
    assert edited[-1].start == found[-1].start + 3 and edited[0] == found[0]


def test_a_backslash_typed_last_in_a_quoted_scalar() -> None:
    """Typing ``\\`` at the very end of a quoted YAML command line read past the text (IndexError)."""
    text = 'run: "infisical service-token create -s dev:/a -a read'
    sites = find_commands(text, "yaml")
    edited = edit_commands(sites, text, text + "\\", "yaml", len(text), len(text), len(text) + 1)
    assert [summary(s) for s in edited.sites] == [summary(s) for s in find_commands(text + "\\", "yaml")]
    assert edited.sites[0].key[-1] == "read"  # the lexer drops a backslash that escapes nothing
