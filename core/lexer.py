"""A shell word lexer that keeps positions and never fails on half-typed input.

``shlex`` keeps no offsets and raises on an unterminated quote; editors need both the unquoted word
(``--scope=dev:/a b`` from ``--scope="dev:/a b"``) and where each of its characters sits in the
document, while the user is still typing. Quotes (``'``, ``"``), backslash escapes and ``\\``
line continuations follow POSIX sh closely enough for command lines in scripts, docs and CI files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from .record import record

OPERATORS = frozenset(";&|<>()`\n")
# A stretch with nothing the slow path has to interpret (quotes, escapes, comments, operators): most command
# lines in scripts are this plain, and splitting them at blanks is many times faster than walking characters.
_PLAIN = re.compile(r"[^\\'\"#;&|<>()`\n]*")
_WORD = re.compile(r"[^ \t\r]+")


class Word(NamedTuple):
    """A NamedTuple, not a dataclass: a 100,000-line script makes hundreds of thousands of them."""

    text: str  # the word as the shell passes it to the program (quotes and escapes removed)
    start: int  # document offset of the word's first raw character
    end: int  # document offset just past the word's last raw character
    offsets: Sequence[int]  # document offset of each character of ``text`` (a range for a plain word)
    open_quote: str | None = None  # a quote still open at the end (the user is typing)

    def doc_offset(self, index: int) -> int:
        """Document offset of ``text[index]``; ``len(text)`` maps to just past the word's content."""
        if index < len(self.offsets):
            return self.offsets[index]
        if not self.offsets:  # "" or a lone opening quote: just inside the quote
            return self.start + 1 if self.end - self.start >= 2 or self.open_quote else self.start
        return min(self.offsets[-1] + 1, self.end)

    def text_index(self, offset: int) -> int:
        """How many characters of ``text`` lie before document ``offset``."""
        count = 0
        for position in self.offsets:
            if position >= offset:
                break
            count += 1
        return count


@record
class Command:
    words: tuple[Word, ...]
    stop: int  # document offset of the operator or newline that ended it (or the end of the text)


def plain_stop(text: str, start: int, end: int) -> int | None:
    """Where the command at ``start`` stops, when all of it is plain (None: let the full lexer read it)."""
    stop = _PLAIN.match(text, start, end).end()  # type: ignore[union-attr]
    if stop < end and text[stop] not in OPERATORS:
        return None  # a quote, an escape or a comment: the careful way
    return stop


def plain_argv(text: str, start: int, stop: int) -> list[str]:
    """The words of a plain command, as strings (one C-speed scan)."""
    return _WORD.findall(text, start, stop)


def plain_words(text: str, start: int, stop: int) -> tuple[Word, ...]:
    """The positioned words of a plain command."""
    return tuple(
        Word(m.group(), m.start(), m.end(), range(m.start(), m.end())) for m in _WORD.finditer(text, start, stop)
    )


def plain_word(text: str, start: int, stop: int, index: int) -> Word:
    """``plain_words(text, start, stop)[index]`` (``index`` >= 0), positioning that word alone: a finding
    underlines one word of its command line."""
    for count, match in enumerate(_WORD.finditer(text, start, stop)):
        if count == index:
            begin, end = match.span()
            return Word(match.group(), begin, end, range(begin, end))
    raise IndexError(index)


def lex(text: str, start: int = 0, end: int | None = None, max_commands: int | None = None) -> list[Command]:
    """Split ``text[start:end]`` into simple commands, at unquoted operators and newlines.

    ``max_commands`` stops early (finding one command in a long document must not lex all of it).
    """
    end = len(text) if end is None else end
    commands: list[Command] = []
    words: list[Word] = []
    chars: list[str] = []
    offsets: list[int] = []
    word_start = -1
    i = start

    def flush(word_end: int, quote: str | None = None) -> None:
        nonlocal chars, offsets, word_start
        if word_start >= 0:
            words.append(Word("".join(chars), word_start, word_end, tuple(offsets), quote))
        chars, offsets, word_start = [], [], -1

    def finish_command(stop: int) -> None:
        nonlocal words
        if words:
            commands.append(Command(tuple(words), stop))
        words = []

    while i < end:
        c = text[i]
        if c == "\\" and i + 1 < end and text[i + 1] == "\n":
            i += 2  # line continuation
            continue
        if c == "\\" and i + 1 < end and text[i + 1] == "\r" and i + 2 < end and text[i + 2] == "\n":
            i += 3
            continue
        if c in " \t\r":
            flush(i)
            i += 1
            continue
        if c in OPERATORS:
            flush(i)
            finish_command(i)
            if max_commands is not None and len(commands) >= max_commands:
                return commands
            i += 1
            continue
        if c == "#" and word_start < 0:
            while i < end and text[i] != "\n":
                i += 1
            continue
        if word_start < 0:
            word_start = i
        if c == "\\":
            if i + 1 < end:
                chars.append(text[i + 1])
                offsets.append(i + 1)
                i += 2
            else:
                i += 1
            continue
        if c == "'":
            close = text.find("'", i + 1, end)
            stop = end if close < 0 else close
            chars.extend(text[i + 1 : stop])
            offsets.extend(range(i + 1, stop))
            if close < 0:
                flush(end, "'")
                i = end
                break
            i = close + 1
            continue
        if c == '"':
            i += 1
            closed = False
            while i < end:
                d = text[i]
                if d == '"':
                    closed = True
                    i += 1
                    break
                if d == "\\" and i + 1 < end and text[i + 1] in '"\\$`\n':
                    if text[i + 1] != "\n":
                        chars.append(text[i + 1])
                        offsets.append(i + 1)
                    i += 2
                    continue
                chars.append(d)
                offsets.append(i)
                i += 1
            if not closed:
                flush(end, '"')
                break
            continue
        chars.append(c)
        offsets.append(i)
        i += 1
    flush(min(i, end))
    finish_command(end)
    return commands
