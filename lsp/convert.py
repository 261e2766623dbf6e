"""Between core results (character offsets) and LSP types (lines and client units)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .answering import Written
from .lines import LineStarts

if TYPE_CHECKING:
    from infisical_tokens.core.editor import Completion, Completions, Edit, Finding, HoverInfo
    from infisical_tokens.core.needs import Need

SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
KINDS = {
    "environment": types.CompletionItemKind.EnumMember,
    "folder": types.CompletionItemKind.Folder,
    "flag": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.Value,
    "project": types.CompletionItemKind.Module,
    "key": types.CompletionItemKind.Property,
    "command": types.CompletionItemKind.Keyword,
}
_PLACEHOLDER = re.compile(r"\$\{?\d+\}?")


class PositionMap:
    """Offsets <-> positions for one version of a document, in the negotiated encoding. The line starts are
    found the first time a position is asked for: a document opened without findings never needs them."""

    __slots__ = ("_starts", "encoding", "text")

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16, lines: LineStarts | None = None):
        self.text = text
        self.encoding = encoding
        self._starts = lines

    @property
    def starts(self) -> LineStarts:
        if self._starts is None:
            self._starts = LineStarts(self.text)
        return self._starts

    def edited(self, text: str, start: int, old_end: int, new_end: int) -> PositionMap:
        """The map of ``text``, which is this map's text with ``[start, old_end)`` replaced by
        ``text[start:new_end]``, reading only the edited lines again (what a keystroke costs in a long document).
        This map is used up: only the new one answers."""
        return PositionMap(text, self.encoding, self.starts.edited(text, start, old_end, new_end))

    def _units(self, segment: str) -> int:
        if self.encoding == types.PositionEncodingKind.Utf32 or segment.isascii():
            return len(segment)
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(segment.encode("utf-8", "surrogatepass"))
        return len(segment.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = self.starts.line_of(offset)
        return types.Position(line, self._units(self.text[self.starts[line] : offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(end))

    def offset(self, position: types.Position) -> int:
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = self.starts[position.line + 1] if position.line + 1 < len(self.starts) else len(self.text)
        line = self.text[start:end]
        if self.encoding == types.PositionEncodingKind.Utf32 or line.isascii():
            return start + min(position.character, len(line.rstrip("\r\n")))
        units = 0
        for index, char in enumerate(line):
            if units >= position.character or char in "\r\n":
                return start + index
            units += self._units(char)
        return start + len(line)


def diagnostic(finding: Finding, positions: PositionMap) -> types.Diagnostic:
    return types.Diagnostic(
        range=positions.range(finding.start, finding.end),
        message=finding.text,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        source="infisical",
    )


def text_edit(edit: Edit, positions: PositionMap) -> types.TextEdit:
    return types.TextEdit(range=positions.range(edit.start, edit.end), new_text=edit.text)


RETRIGGER = types.Command(title="", command="editor.action.triggerSuggest")


def completion_items(
    items: list[Completion], positions: PositionMap, *, snippets: bool, retrigger: bool
) -> list[types.CompletionItem]:
    """Every item, sharing one Range per replaced span (a folder list at ``dev:/`` has 151 items, one span)."""
    ranges: dict[tuple[int, int], types.Range] = {}
    converted = []
    for item in items:
        span = (item.start, item.end)
        if span not in ranges:
            ranges[span] = positions.range(*span)
        converted.append(completion_item(item, positions, snippets=snippets, retrigger=retrigger, at=ranges[span]))
    return converted


class Asked:
    """What a completion answer in one version of a document is a function of, besides that version (the answer is
    kept on the version's state): the context the state had then (a new catalog generation is a new one), the text
    the engine reads, the cursor, and the client's abilities. Objects are compared by identity (the held reference
    keeps an identity from being reused), the rest by value."""

    __slots__ = ("character", "context", "line", "retrigger", "snippets", "text")

    def __init__(
        self, context: object, text: str, position: types.Position, *, snippets: bool, retrigger: bool
    ) -> None:
        self.context, self.text = context, text
        self.line, self.character = position.line, position.character
        self.snippets, self.retrigger = snippets, retrigger

    def same(self, other: Asked) -> bool:
        return (
            self.context is other.context
            and self.text is other.text
            and (self.line, self.character, self.snippets, self.retrigger)
            == (other.line, other.character, other.snippets, other.retrigger)
        )


class CompletionAnswer:
    """One completion answer: what it answered, the result as the server writes it, and the folder listings it
    lacked."""

    __slots__ = ("asked", "result", "wants")

    def __init__(self, asked: Asked, result: Written, wants: tuple[Need, ...]) -> None:
        self.asked, self.result, self.wants = asked, result, wants


class CompletionWriter:
    """Completion answers written as JSON, ready to be given again when asked again exactly as then (a re-trigger,
    the editor asking at the same place as you pause; the document's state keeps its last one): the engine is not
    asked, the answer neither converted nor written again. Building, converting and writing 151 folder items cost
    about 3 ms where a no-op request costs about 1. Asked elsewhere, the items the engine answers are compared with
    the last ones (the same folder list after a catalog refresh) and their converted form reused."""

    __slots__ = ("_items", "_key", "_unstructure")

    def __init__(self, unstructure: Callable[[Any], Any]) -> None:
        self._unstructure = unstructure
        self._key: tuple[object, ...] | None = None
        self._items: list[Any] = []

    def answer(self, asked: Asked, result: Completions, positions: PositionMap) -> CompletionAnswer:
        """The answer to ``result``, the engine's answer to ``asked``, written as the server sends it."""
        listed = self._unstructure(types.CompletionList(is_incomplete=result.incomplete, items=[]))
        listed["items"] = self._converted(result.items, positions, snippets=asked.snippets, retrigger=asked.retrigger)
        return CompletionAnswer(asked, Written(json.dumps(listed)), result.wants)

    def forget(self) -> None:
        """Drop the last items (a new client's session begins)."""
        self._key, self._items = None, []

    def _converted(
        self, items: list[Completion], positions: PositionMap, *, snippets: bool, retrigger: bool
    ) -> list[Any]:
        spans = dict.fromkeys((item.start, item.end) for item in items)  # the same few spans, in order
        at = tuple(astuple(positions.range(*span)) for span in spans)
        key = (tuple(items), at, snippets, retrigger)
        if key != self._key:
            converted = completion_items(items, positions, snippets=snippets, retrigger=retrigger)
            self._key, self._items = key, [self._unstructure(item) for item in converted]
        return self._items


def astuple(at: types.Range) -> tuple[int, int, int, int]:
    return (at.start.line, at.start.character, at.end.line, at.end.character)


def completion_item(
    item: Completion,
    positions: PositionMap,
    *,
    snippets: bool,
    retrigger: bool,
    at: types.Range | None = None,
) -> types.CompletionItem:
    new_text = item.new_text if snippets or not item.snippet else _PLACEHOLDER.sub("", item.new_text)
    return types.CompletionItem(
        label=item.label,
        kind=KINDS[item.kind],
        detail=item.detail or None,
        documentation=item.documentation or None,  # help text, plain (a string is plain text in LSP)
        text_edit=types.TextEdit(range=at or positions.range(item.start, item.end), new_text=new_text),
        filter_text=item.filter_text or item.new_text,
        sort_text=item.sort_text,
        insert_text_format=types.InsertTextFormat.Snippet
        if item.snippet and snippets
        else types.InsertTextFormat.PlainText,
        command=RETRIGGER if item.retrigger and retrigger else None,
    )


def hover(info: HoverInfo, positions: PositionMap, markdown: bool) -> types.Hover:
    contents = types.MarkupContent(
        kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText, value=info.markdown
    )
    return types.Hover(contents=contents, range=positions.range(info.start, info.end))
