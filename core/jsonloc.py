"""An error-tolerant JSON scanner: which key or value is under the cursor, while the user is typing.

Modelled on jsonc-parser's ``getLocation``: tokens carry offsets, strings may be unterminated at the
end of a line, and a missing comma or colon does not stop the walk. Used for completion and hovers
in ``.infisical.json``, and to place diagnostics on the exact key or value.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from .record import field, record

TokenKind = Literal["{", "}", "[", "]", ":", ",", "string", "number", "literal", "invalid"]
Path = tuple[str | int, ...]

MAX_DEPTH = 16  # deeper values are walked but not recorded: no .infisical.json key lives there
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")


@record
class JsonToken:
    """A token of JSON text, kept even where the text is broken (an editor's file is mid-edit)."""

    kind: TokenKind
    start: int
    end: int
    value: str  # decoded text of a string; raw text otherwise
    closed: bool = True  # False for a string still open at the end of its line


def _decode(raw: str) -> str:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw[1:].rstrip('"')
    return value if isinstance(value, str) else raw


def scan(text: str) -> list[JsonToken]:
    tokens: list[JsonToken] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\ufeff":
            i += 1
        elif c in "{}[]:,":
            tokens.append(JsonToken(c, i, i + 1, c))  # type: ignore[arg-type]
            i += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            closed = j < n and text[j] == '"'
            end = j + 1 if closed else min(j, n)
            raw = text[i:end]
            tokens.append(JsonToken("string", i, end, _decode(raw if closed else raw + '"'), closed))
            i = end
        elif c == "/" and text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        else:
            m = _NUMBER.match(text, i) or _WORD.match(text, i)
            if m:
                kind: TokenKind = "number" if m.re is _NUMBER else "literal"
                tokens.append(JsonToken(kind, i, m.end(), m.group(0)))
                i = m.end()
            else:
                tokens.append(JsonToken("invalid", i, i + 1, c))
                i += 1
    return tokens


@record
class Member:
    """A value in the document: an object member (with its key token) or an array item."""

    path: Path
    key: JsonToken | None
    value: JsonToken | None  # the scalar, or the opening brace/bracket of a container


@record(frozen=False)
class _Frame:
    """An object or array being walked: where it is, and what the walker expects next in it."""

    kind: Literal["{", "["]
    path: Path
    state: Literal["key", "colon", "value", "comma"]
    key: str | None = None
    key_token: JsonToken | None = None
    index: int = 0
    keys: set[str] = field(default_factory=set)


@record
class Location:
    """What the cursor is on. ``path`` names the value (for a key: the object's path plus the key)."""

    path: Path
    is_key: bool
    token: JsonToken | None
    start: int  # the range a completion should replace
    end: int
    sibling_keys: frozenset[str] = frozenset()


class _Walker:
    def __init__(self, text: str) -> None:
        self.tokens = scan(text)
        self.stack: list[_Frame] = []
        self.members: list[Member] = []

    def _value(self, token: JsonToken) -> None:
        frame = self.stack[-1] if self.stack else None
        if frame is None:
            path: Path = ()
            key_token = None
        elif len(frame.path) >= MAX_DEPTH:
            path, key_token = frame.path, None  # shared, not copied: keeps hostile nesting linear
            frame.state = "comma"
        elif frame.kind == "{":
            path = (*frame.path, frame.key if frame.key is not None else "")
            key_token = frame.key_token
            frame.state = "comma"
        else:
            path = (*frame.path, frame.index)
            key_token = None
            frame.state = "comma"
        if len(path) <= MAX_DEPTH and not (frame is not None and len(frame.path) >= MAX_DEPTH):
            self.members.append(Member(path, key_token, token))
        if token.kind in ("{", "["):
            self.stack.append(_Frame(token.kind, path, "key" if token.kind == "{" else "value"))

    def step(self, token: JsonToken) -> None:
        frame = self.stack[-1] if self.stack else None
        kind = token.kind
        if kind in ("}", "]"):
            if frame is not None:
                self.stack.pop()
            return
        if frame is None:
            if kind in ("{", "[", "string", "number", "literal"):
                self._value(token)
            return
        if kind == ",":
            if frame.kind == "{":
                frame.state, frame.key, frame.key_token = "key", None, None
            else:
                frame.index += 1
                frame.state = "value"
            return
        if kind == ":":
            if frame.kind == "{":
                frame.state = "value"
            return
        if frame.kind == "{" and frame.state in ("key", "comma") and kind == "string":
            frame.key, frame.key_token, frame.state = token.value, token, "colon"
            frame.keys.add(token.value)
            return
        if kind in ("{", "[", "string", "number", "literal"):
            if frame.kind == "[" and frame.state == "comma":
                frame.index += 1
            self._value(token)


def members(text: str) -> list[Member]:
    """Every value with its path and tokens, even in invalid JSON."""
    walker = _Walker(text)
    for token in walker.tokens:
        walker.step(token)
    return walker.members


def locate(text: str, offset: int) -> Location:
    walker = _Walker(text)
    for token in walker.tokens:
        inside = token.start < offset < token.end or (token.start < offset == token.end and not token.closed)
        at_end_of_word = token.kind in ("string", "number", "literal") and token.start < offset <= token.end
        if token.start >= offset or inside or (at_end_of_word and token.kind != "string"):
            return _location_at(walker, offset, token if (inside or at_end_of_word) else None)
        walker.step(token)
    return _location_at(walker, offset, None)


def _location_at(walker: _Walker, offset: int, token: JsonToken | None) -> Location:
    frame = walker.stack[-1] if walker.stack else None
    start, end = (token.start, token.end) if token is not None else (offset, offset)
    if frame is None:
        return Location((), False, token, start, end)
    siblings = frozenset(frame.keys)
    if frame.kind == "{":
        if frame.state in ("key", "comma") or (frame.state == "colon" and token is not None):
            key = token.value if token is not None and token.kind == "string" else ""
            return Location((*frame.path, key), True, token, start, end, siblings - {key})
        return Location((*frame.path, frame.key or ""), False, token, start, end, siblings)
    index = frame.index + (1 if frame.state == "comma" and token is None else 0)
    return Location((*frame.path, index), False, token, start, end, siblings)
