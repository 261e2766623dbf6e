"""One ``.gitignore`` line as git reads it (``dir.c`` and ``wildmatch.c``), matched in linear time.

Translating a line into a backtracking regular expression lets ``*a*a*a*a*a*a*a*a*a*a*a*b`` against a long
name run for minutes. Here a line becomes a few elements (a byte, a byte class, ``*``, ``**``, ``**/``) and
a path is matched by running all positions of the pattern at once (a bit per position), so a match costs
O(path length x pattern length) whatever the line. A line with at most one star still becomes a regular
expression: that cannot backtrack badly, and it is what keeps a 20,000-file walk fast.

Paths and patterns are compared as UTF-8 bytes, as git compares them (``?`` is one byte).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .record import record

SLASH = ord("/")
MAX_LINE = 4096
ALL = frozenset(range(256)) - {SLASH}
_NAMED: dict[bytes, Callable[[int], bool]] = {
    b"alnum": lambda c: chr(c).isalnum() and c < 128,
    b"alpha": lambda c: chr(c).isalpha() and c < 128,
    b"blank": lambda c: c in b" \t",
    b"cntrl": lambda c: c < 32 or c == 127,
    b"digit": lambda c: 48 <= c <= 57,
    b"graph": lambda c: 33 <= c <= 126,
    b"lower": lambda c: 97 <= c <= 122,
    b"print": lambda c: 32 <= c <= 126,
    b"punct": lambda c: 33 <= c <= 126 and not chr(c).isalnum(),
    b"space": lambda c: c in b" \t\n\r\f\v",
    b"upper": lambda c: 65 <= c <= 90,
    b"xdigit": lambda c: chr(c) in "0123456789abcdefABCDEF",
}

# elements: a frozenset (one byte of the set), or one of these
STAR, GLOBSTAR, DIRS = "*", "**", "**/"  # a run without '/', any run, nothing or any run ending in '/'
Element = frozenset[int] | str


class _Unmatchable(Exception):
    """A line git keeps but that can never match (an unclosed ``[``, an unknown ``[:class:]``, a lone ``\\``)."""


@record
class Rule:
    negated: bool
    dir_only: bool
    basename: bool  # no '/' in the line: it is matched against a path's last segment, at any depth
    matches: Callable[[bytes], bool]

    def applies(self, relative: bytes, name: bytes, is_dir: bool) -> bool:
        """Whether this line matches a path: ``relative`` to the .gitignore's folder ('/'-joined), ``name`` its
        last segment."""
        if self.dir_only and not is_dir:
            return False
        return self.matches(name if self.basename else relative)


def parse(line: str) -> Rule | None:
    """The rule of one ``.gitignore`` line, or None for a blank line, a comment, or a line that can never match."""
    text = _trim_trailing_spaces(line[:MAX_LINE])
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    text = text[1:] if negated else text
    dir_only = text.endswith("/")
    text = text[:-1] if dir_only else text
    if not text:
        return None
    basename = "/" not in text
    text = text[1:] if text.startswith("/") else text
    try:
        elements = _elements(text.encode("utf-8", "surrogateescape"))
    except _Unmatchable:
        return None
    return Rule(negated, dir_only, basename, _matcher(elements))


def _trim_trailing_spaces(text: str) -> str:
    """git's ``trim_trailing_spaces``: trailing spaces go unless escaped with a backslash."""
    last_space: int | None = None
    i = 0
    while i < len(text):
        if text[i] == " ":
            last_space = i if last_space is None else last_space
        elif text[i] == "\\":
            i += 1
            if i >= len(text):
                return text
            last_space = None
        else:
            last_space = None
        i += 1
    return text if last_space is None else text[:last_space]


def _elements(pattern: bytes) -> list[Element]:
    found: list[Element] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == ord("*"):
            start = i
            while i < len(pattern) and pattern[i] == ord("*"):
                i += 1
            at_start = start == 0 or pattern[start - 1] == SLASH
            if i - start >= 2 and at_start and i == len(pattern):
                found.append(GLOBSTAR)
            elif i - start >= 2 and at_start and pattern[i] == SLASH:
                found.append(DIRS)
                i += 1
            elif i - start >= 2 and at_start and pattern[i : i + 2] == b"\\/":
                found.append(GLOBSTAR)  # git skips the "no folder" shortcut before an escaped '/'
            else:
                found.append(STAR)
            continue
        if c == ord("?"):
            found.append(ALL)
        elif c == ord("["):
            members, i = _bracket(pattern, i + 1)
            found.append(members)
        elif c == ord("\\"):
            i += 1
            if i >= len(pattern):
                raise _Unmatchable
            found.append(frozenset({pattern[i]}))
        else:
            found.append(frozenset({c}))
        i += 1
    return found


def _bracket(pattern: bytes, i: int) -> tuple[frozenset[int], int]:
    """The bytes a ``[...]`` starting just after ``[`` matches (never '/'), and the index of its ``]``."""
    negated = i < len(pattern) and pattern[i] in b"!^"
    i += 1 if negated else 0
    members: set[int] = set()
    previous: int | None = None
    first = True
    while first or pattern[i] != ord("]"):
        first = False
        if i >= len(pattern):
            raise _Unmatchable
        c = pattern[i]
        current: int | None = c
        if c == ord("\\"):
            i += 1
            if i >= len(pattern):
                raise _Unmatchable
            current = pattern[i]
            members.add(current)
        elif c == ord("-") and previous is not None and i + 1 < len(pattern) and pattern[i + 1] != ord("]"):
            i += 1
            high = pattern[i]
            if high == ord("\\"):
                i += 1
                if i >= len(pattern):
                    raise _Unmatchable
                high = pattern[i]
            members.update(range(previous, high + 1))
            current = None
        elif c == ord("[") and pattern[i + 1 : i + 2] == b":":
            end = pattern.find(b"]", i + 2)
            if end < 0:
                raise _Unmatchable
            if end - (i + 2) >= 1 and pattern[end - 1] == ord(":"):
                test = _NAMED.get(pattern[i + 2 : end - 1])
                if test is None:
                    raise _Unmatchable
                members.update(b for b in range(256) if test(b))
                i, current = end, None
            else:
                members.add(c)  # no ":]": a plain '['
        else:
            members.add(c)
        previous = current
        i += 1
        if i >= len(pattern):
            raise _Unmatchable
    chosen = (frozenset(range(256)) - members) if negated else frozenset(members)
    return chosen - {SLASH}, i


def _matcher(elements: list[Element]) -> Callable[[bytes], bool]:
    stars = sum(1 for e in elements if isinstance(e, str))
    if stars <= 1:
        return _regex(elements)
    return _Positions(elements).matches


def _regex(elements: list[Element]) -> Callable[[bytes], bool]:
    """A regular expression for a line with at most one star (it cannot backtrack more than once over a path)."""
    parts: list[bytes] = []
    for element in elements:
        if element == STAR:
            parts.append(b"[^/]*")
        elif element == GLOBSTAR:
            parts.append(b".*")
        elif element == DIRS:
            parts.append(b"(?:.*/)?")
        elif isinstance(element, frozenset):
            parts.append(_byte_class(element))
    compiled = re.compile(b"".join(parts), re.DOTALL)
    return lambda path: compiled.fullmatch(path) is not None


def _byte_class(members: frozenset[int]) -> bytes:
    if len(members) == 1:
        return re.escape(bytes(members))
    return b"[" + b"".join(b"\\x%02x" % b for b in sorted(members)) + b"]" if members else b"(?!)"


class _Positions:
    """Every position of the pattern at once, one bit each: no backtracking, O(len(path) x len(pattern))."""

    def __init__(self, elements: list[Element]) -> None:
        self.accept = 1 << len(elements)
        self.advance = [0] * 256  # per byte: positions that consume it and move on
        self.stay = [0] * 256  # per byte: positions that consume it and stay (inside a star)
        self.skip = 0  # positions that may match nothing (stars)
        for position, element in enumerate(elements):
            bit = 1 << position
            if isinstance(element, frozenset):
                for b in element:
                    self.advance[b] |= bit
                continue
            self.skip |= bit
            for b in range(256):
                if element != STAR or b != SLASH:
                    self.stay[b] |= bit
            if element == DIRS:
                self.advance[SLASH] |= bit

    def _closure(self, states: int) -> int:
        while True:
            grown = states | ((states & self.skip) << 1)
            if grown == states:
                return states
            states = grown

    def matches(self, path: bytes) -> bool:
        states = self._closure(1)
        for b in path:
            states = self._closure(((states & self.advance[b]) << 1) | (states & self.stay[b]))
            if not states:
                return False
        return bool(states & self.accept)
