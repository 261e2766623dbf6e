"""Between core results (character offsets) and LSP types (lines and client units)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from operator import attrgetter
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
    """Completion answers written as JSON as pygls would write them, ready to be given again when asked again
    exactly as then (a re-trigger, the editor asking at the same place as you pause; the document's state keeps its
    last one): the engine is not asked, the answer neither converted nor written again. Building, converting and
    writing 151 folder items cost about 3 ms where a no-op request costs about 1.

    Asked elsewhere (a keystroke in a scope moves the span every item replaces), each item is written from the
    JSON written of it before, around its range: converting and writing each item anew cost 1.7 ms of 2."""

    __slots__ = ("_around", "_placeless", "_unstructure")
    KEPT = 4096  # items whose JSON is kept: a few dozen folder lists; all are written afresh past it

    def __init__(self, unstructure: Callable[[Any], Any]) -> None:
        self._unstructure = unstructure
        self._around: dict[tuple[tuple[object, ...], bool, bool], tuple[str, str]] = {}
        self._placeless: Callable[[Completion], tuple[object, ...]] | None = None

    def answer(self, asked: Asked, result: Completions, positions: PositionMap) -> CompletionAnswer:
        """The answer to ``result``, the engine's answer to ``asked``, written as the server sends it."""
        ranges: dict[tuple[int, int], str] = {}
        written = []
        for item in result.items:
            span = (item.start, item.end)
            at = ranges.get(span)
            if at is None:
                at = ranges[span] = self._json(positions.range(*span))
            before, after = self._written_around(item, asked.snippets, asked.retrigger)
            written.append(before + at + after)
        listed = self._unstructure(types.CompletionList(is_incomplete=result.incomplete, items=[]))
        listed["items"] = _ITEMS
        answer = json.dumps(listed).replace(json.dumps(_ITEMS), f"[{', '.join(written)}]", 1)
        return CompletionAnswer(asked, Written(answer), result.wants)

    def forget(self) -> None:
        """Drop the items written (a new client's session begins)."""
        self._around = {}

    def _written_around(self, item: Completion, snippets: bool, retrigger: bool) -> tuple[str, str]:
        """The item's JSON before and after its range (the same for the item wherever it replaces text)."""
        if self._placeless is None:  # every field of the engine's item but its span (read from the record itself)
            self._placeless = attrgetter(*(f for f in type(item).__match_args__ if f not in ("start", "end")))
        key = (self._placeless(item), snippets, retrigger)
        around = self._around.get(key)
        if around is None:
            if len(self._around) >= self.KEPT:
                self._around = {}
            whole = self._json(completion_item(item, _NOWHERE, snippets=snippets, retrigger=retrigger, at=_MARK))
            before, mark, after = whole.partition(_MARK_JSON)
            if not mark or _MARK_JSON in after:  # never: JSON strings escape quotes, so the mark is only the range
                raise ValueError(f"no one place for the range in {whole[:200]}")
            around = self._around[key] = (before, after)
        return around

    def _json(self, value: object) -> str:
        return json.dumps(self._unstructure(value))


_ITEMS = "\0items\0"  # where the items go in a written list (a string no item list is written as)
_NOWHERE = PositionMap("")
_MARK = types.Range(types.Position(2**31 - 4, 1), types.Position(2**31 - 3, 2))  # a range no document has
_MARK_JSON = json.dumps({"start": {"line": 2**31 - 4, "character": 1}, "end": {"line": 2**31 - 3, "character": 2}})


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
