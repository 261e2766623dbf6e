"""Find ``infisical service-token ...`` command lines inside documents, with exact positions.

Which documents are read, and how (whole, Markdown's code only, Python's ``%infisical``/``!infisical`` lines
only; where a quoted scalar ends a command; what comments a line out), is ``filetypes.FILE_TYPES``.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from .filetypes import BY_KIND, FILE_TYPES, FileType, Kind
from .lexer import OPERATORS, Word, lex, plain_argv, plain_stop, plain_word, plain_words

_LANGUAGES: dict[str, FileType] = {language: row for row in FILE_TYPES for language in row.languages}
_EXTENSIONS: dict[str, FileType] = {ext: row for row in FILE_TYPES for ext in row.extensions}
_NAMED = tuple(row for row in FILE_TYPES if row.names or row.prefixes or row.suffixes)
_NAMES = frozenset(name for row in _NAMED for name in row.names)
_PREFIXES = tuple(prefix for row in _NAMED for prefix in row.prefixes)
_SUFFIXES = tuple(suffix for row in _NAMED for suffix in row.suffixes)
SHELL_FENCES = frozenset({"sh", "bash", "shell", "console", "zsh", "shell-session", "sh-session", "shellscript"})
_COMMAND = re.compile(r"(?<![\w.%!/~-])(%infisical|!?(?:[\w.~-]*/)*infisical(?:-tokens)?)(?=[ \t]|\\\r?\n)")
# A command line alone on its line after blanks, and its plain words (``lexer.plain_stop``'s): the same command as
# ``_COMMAND`` finds there (nothing before it on its line can be a comment or a quote), read in one match.
_PLAIN_COMMAND = re.compile(r"[ \t]*(infisical(?:-tokens)?)(?=[ \t])[^\\'\"#;&|<>()`\n]*")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*$", re.M)
_INLINE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def kind_for(path: str | None, language_id: str | None = None) -> Kind | None:
    """The kind of document, from its file name (``filetypes.FILE_TYPES``' names), else the editor's language id,
    else the extension."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1] if path else ""  # string work: check names 200,000 files
    if name and (name in _NAMES or name.startswith(_PREFIXES) or name.endswith(_SUFFIXES)):
        for row in _NAMED:
            if name in row.names or name.startswith(row.prefixes) or name.endswith(row.suffixes):
                return row.kind
    if language_id and language_id in _LANGUAGES:
        return _LANGUAGES[language_id].kind
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1 and name[dot:].isascii():  # extensions compare in ASCII case, as git's do
        by_extension = _EXTENSIONS.get(name[dot:].lower())
        return by_extension.kind if by_extension else None
    return None


# A path listing as git writes it with -z (each path ends in NUL), read in bulk by ``listing_kinds``.
_EXTENSION_ENDS = tuple(extension.encode() + b"\0" for extension in _EXTENSIONS)
# Where ``kind_for`` may answer otherwise than a path's extension says, one of these is in the path: a file name
# starting with a dot (``.sh`` alone has no extension; ``.env``, ``.infisical.json`` are names), or a named row's
# name, prefix or suffix that does not start with one (``Makefile``, ``Dockerfile.dev``, ``x.Dockerfile``).
_MARKS = [
    *(separator + b"." for separator in (b"\0", b"/", b"\\")),
    *(name.encode() for name in (*_NAMES, *_PREFIXES) if not name.startswith(".")),
    *(suffix.encode() for suffix in _SUFFIXES),
]
# each searched for once: a mark that holds another (``GNUmakefile``, ``Dockerfile.``) is found by that one
_UNSURE_MARKS = tuple(mark for mark in dict.fromkeys(_MARKS) if not any(o != mark and o in mark for o in _MARKS))


def listing_kinds(listing: bytes) -> tuple[int, list[str]]:
    """How many paths of a ``-z`` listing have a kind, and which are project files (in the listing's order): exactly
    ``kind_for``'s answers, at the speed of a few searches of the whole listing. ``check`` counts every file of a
    repository (200,000 paths), and asking ``kind_for`` one path at a time was most of what it paid beyond git.

    A path whose tail, in ASCII lower case, is a known extension has a kind; a path that holds none of the
    ``_UNSURE_MARKS`` has no other. Only the paths that hold one are asked of ``kind_for``."""
    listing = b"\0" + listing
    folded = listing.lower()  # ASCII only: the same length, so a path starts at the same place in both
    count = sum(folded.count(end) for end in _EXTENSION_ENDS)  # no extension ends another: one per path at most
    unsure: set[int] = set()
    for mark in _UNSURE_MARKS:
        at = listing.find(mark)
        while at >= 0:
            unsure.add(listing.rfind(b"\0", 0, at + 1) + 1)  # where the path holding it starts
            at = listing.find(mark, at + 1)
    projects = []
    for start in sorted(unsure):
        end = listing.index(b"\0", start) + 1
        path = listing[start : end - 1].decode("utf-8", "surrogateescape")
        kind = kind_for(path)
        count += (kind is not None) - folded[start:end].endswith(_EXTENSION_ENDS)
        if kind == "project-json":
            projects.append(path)
    return count, projects


_SHARED: dict[str, tuple[str, ...]] = {}
_SHARED_MAX = 4096


def _shared(line: str) -> tuple[str, ...]:
    """The words after the program of a plain command ``line``: one tuple of interned words for every line that
    reads the same (emptied when full: typing makes many short-lived ones); a line seen before is one lookup,
    neither split nor interned again."""
    found = _SHARED.get(line)
    if found is None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        found = _SHARED[line] = tuple(map(sys.intern, plain_argv(line, 0, len(line))[1:]))
    return found


class Source:
    """The text a document's plain command lines read their words from, shared by all of them, so that an edit
    hands every one the new text at once (``edit_commands``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class CommandSite:
    """One command line: ``words[0]`` is the program (``infisical``, ``%infisical``, ...).

    A plain command line (no quotes, escapes or continuations) keeps only where it is: its argv comes
    from one C-speed split, and its positioned words are built the first time something needs them
    (a problem to underline, a completion, a hover), which for most lines of a large script is never.
    """

    __slots__ = ("_argv", "_source", "_start", "_words", "limit")

    def __init__(
        self, words: tuple[Word, ...] | None, limit: int, source: Source | None = None, start: int = 0
    ) -> None:
        self._words = words
        self._argv: tuple[str, ...] | None = None
        self._source = source  # the document text of a plain command that starts at ``start``, ends at ``limit``
        self._start = start
        self.limit = limit  # where the command ends (an operator, a newline, or the end of its region)

    @property
    def words(self) -> tuple[Word, ...]:
        if self._words is None:
            assert self._source is not None
            self._words = plain_words(self._source.text, self._start, self.limit)
        return self._words

    def word(self, index: int) -> Word:
        """``words[index]`` (``index`` >= 0); a plain command line whose words are not positioned yet positions
        only this one (a finding needs the word it underlines, not the whole line)."""
        if self._words is None and self._source is not None:
            return plain_word(self._source.text, self._start, self.limit, index)
        return self.words[index]

    @property
    def start(self) -> int:
        return self._start if self._source is not None else self.words[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end

    @property
    def argv(self) -> list[str]:
        return list(self.key)

    @property
    def key(self) -> tuple[str, ...]:
        """The words after the program, computed once (what checks are remembered by). Shared and interned: a
        long script repeats the same few command lines and words thousands of times."""
        if self._argv is None:
            if self._words is None and self._source is not None:
                self._argv = _shared(self._source.text[self._start : self.limit])
            else:
                self._argv = tuple(w.text for w in self.words[1:])
        return self._argv

    @property
    def is_service_token(self) -> bool:
        key = self.key
        return bool(key) and key[0] == "service-token"

    def _move(self, delta: int) -> None:
        """Follow an edit before this command line (in place: the edited document's list owns it now)."""
        self.limit += delta
        if self._source is not None:
            self._start += delta
            self._words = None  # built again, from the new text, if ever needed
        else:
            self._words = tuple(_moved_word(w, delta) for w in self.words)

    def _detach(self, source: Source) -> None:
        """Read from ``source`` from now on (a plain command line; the others keep their words)."""
        if self._source is not None:
            self._source = source

    def contains(self, offset: int) -> bool:
        return self.start <= offset <= self.limit


def _moved_word(word: Word, delta: int) -> Word:
    offsets = word.offsets
    moved = range(offsets.start + delta, offsets.stop + delta) if isinstance(offsets, range) else None
    return word._replace(
        start=word.start + delta,
        end=word.end + delta,
        offsets=moved if moved is not None else tuple(o + delta for o in offsets),
    )


def _markdown_regions(text: str) -> list[tuple[int, int]]:
    regions: list[tuple[int, int]] = []
    fenced: list[tuple[int, int]] = []
    position = 0
    while True:
        opening = _FENCE.search(text, position)
        if opening is None:
            break
        marker, info = opening.group(1), opening.group(2).lower()
        body_start = opening.end() + 1
        closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.M).search(
            text, body_start
        )
        body_end = closing.start() if closing else len(text)
        fenced.append((opening.start(), closing.end() if closing else len(text)))
        if info in SHELL_FENCES:
            regions.append((min(body_start, len(text)), body_end))
        position = closing.end() if closing else len(text)
    outside = 0
    for start, end in [*fenced, (len(text), len(text))]:
        for match in _INLINE.finditer(text, outside, start):
            regions.append((match.start(2), match.end(2)))
        outside = end
    return sorted(regions)


def _closing_quote(text: str, quote: str, start: int, end: int) -> int:
    """For a command written inside a YAML/JSON quoted scalar: where that scalar's quote closes."""
    i = start
    while i < end and text[i] != "\n":
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return min(i, end)  # a backslash typed last escapes nothing: the scalar ends with the text


def _in_comment(text: str, position: int, line_start: int, markers: tuple[str, ...]) -> bool:
    """Whether ``position`` follows one of a kind's line-comment ``markers`` (``#``, ``//``, ...) on its line, which
    starts at ``line_start``: a marker counts at the line's start or after a blank, outside quotes."""
    if not markers:
        return False
    firsts = "".join(marker[0] for marker in markers)
    quote = ""
    for i in range(line_start, position):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in firsts and (i == line_start or text[i - 1] in " \t") and text.startswith(markers, i, position):
            return True
    return False


MAX_COMMAND_CHARS = 65_536  # a command line, continuations included, is never longer; beyond it nothing is read


def find_commands(text: str, kind: Kind | None) -> list[CommandSite]:
    """Every ``infisical``/``%infisical`` command line in ``text`` (callers check ``is_service_token``)."""
    return commands_in(text, BY_KIND[kind]) if kind is not None else []


def commands_in(text: str, row: FileType) -> list[CommandSite]:
    """``find_commands`` for a kind's row of ``filetypes.FILE_TYPES``: everything it does comes from the row."""
    if row.finder.regions == "none":
        return []
    regions = _markdown_regions(text) if row.finder.regions == "code" else [(0, len(text))]
    sites: list[CommandSite] = []
    source = Source(text)
    for region_start, region_end in regions:
        sites += _scan(source, row, region_start, region_end, region_start)
    return sites


def _scan(source: Source, row: FileType, region_start: int, region_end: int, position: int) -> Iterator[CommandSite]:
    """The command lines of one region from ``position`` on, in order (a caller may stop early), found the way
    ``row.finder`` says, skipping lines its ``comments`` comment out."""
    text = source.text
    magic_only, quoted_scalars, comments = row.finder.magic_only, row.finder.quoted_scalars, row.comments
    whole = row.finder.regions == "whole" and not magic_only
    while True:
        found = text.find("infisical", position, region_end)  # C speed over the lines between commands
        if found < 0:
            return
        line_start = text.rfind("\n", 0, found) + 1
        if whole:  # most command lines: first on their line, all plain; one match reads the whole of one
            plain = _PLAIN_COMMAND.match(text, line_start, region_end)
            if plain is not None and plain.start(1) == found and found - line_start <= MAX_COMMAND_CHARS:
                end = min(region_end, found + MAX_COMMAND_CHARS)
                plain_end = min(plain.end(), end)
                if plain_end == end or text[plain_end] in OPERATORS:
                    yield CommandSite(None, plain_end, source, found)
                    position = plain_end
                    continue
        match = _COMMAND.search(text, max(position, line_start), region_end)
        if match is None:
            return
        start, position = match.span()
        if magic_only and text[start] not in "%!":
            continue
        own_line = text.rfind("\n", 0, start) + 1
        if start - own_line > MAX_COMMAND_CHARS:
            continue  # deep inside a line no person wrote (minified or generated): not a command to check
        if comments and start > own_line and _in_comment(text, start, own_line, comments):
            continue
        end = min(region_end, start + MAX_COMMAND_CHARS)
        before = text[start - 1] if start > region_start else ""
        if quoted_scalars and before in ("'", '"'):
            end = _closing_quote(text, before, position, region_end)
        stop = plain_stop(text, start, end)
        if stop is not None:
            yield CommandSite(None, stop, source, start)
            position = max(position, stop)
            continue
        commands = lex(text, start, end, max_commands=1)
        if not commands:
            continue
        first = commands[0]
        yield CommandSite(first.words, first.stop)
        position = max(position, first.stop)


# A command line reads the character at its ``limit`` (the operator or newline that ends it), nothing past it.
_LOOKAHEAD = 1


class Edited(NamedTuple):
    """An edit's command lines: all of them, and the ones it replaced (old) with the ones read again (new)."""

    sites: list[CommandSite]
    removed: Sequence[CommandSite]
    added: Sequence[CommandSite]
    restart: int  # the old command lines before this offset are kept, unchanged
    resume: int  # the old command lines from this offset of the old text on are kept, moved by ``delta``
    delta: int


def edit_commands(
    sites: Sequence[CommandSite], old: str, text: str, kind: Kind | None, start: int, old_end: int, new_end: int
) -> Edited:
    """``find_commands(text, kind)`` for ``text``, which is ``old`` with ``old[start:old_end]`` replaced by
    ``text[start:new_end]``, given ``sites = find_commands(old, kind)``: only the lines around the edit are
    read again; the command lines before and after it are carried over, in place (``sites`` then belongs to
    the new text; ``removed`` keeps reading the old one).

    A kind read in regions (Markdown) is read whole: a fence opened or closed anywhere changes what every later
    line is.
    """
    row = BY_KIND[kind] if kind is not None else None
    if row is None or row.finder.regions != "whole":
        found = find_commands(text, kind)
        return Edited(found, sites, found, 0, len(old) + 1, len(text) - len(old))
    delta = new_end - old_end
    # restart at a line start before the edit that no earlier command line reaches past
    restart = old.rfind("\n", 0, start) + 1
    keep = bisect.bisect_left(sites, restart, key=lambda site: site.start)
    while keep > 0 and sites[keep - 1].limit + _LOOKAHEAD > restart:
        restart = old.rfind("\n", 0, sites[keep - 1].start) + 1
        keep = bisect.bisect_left(sites, restart, key=lambda site: site.start)

    def settle(resume: int) -> tuple[int, int]:
        """The first line start from ``resume`` on that no old command line reaches past, and the index of
        the first old command line after it."""
        while resume <= len(text):
            after = bisect.bisect_left(sites, resume - delta, key=lambda site: site.start)
            if after == 0 or sites[after - 1].limit + _LOOKAHEAD <= resume - delta:
                return resume, after
            resume = _line_after(text, sites[after - 1].limit + delta + _LOOKAHEAD - 1)
        return resume, len(sites)

    # resume the old command lines at a line start after the edit that no command line, old or new, reaches past
    resume, after = settle(_line_after(text, new_end))
    added: list[CommandSite] = []
    for site in _scan(Source(text), row, 0, len(text), restart):
        if site.start >= resume:
            break
        added.append(site)
        if site.limit + _LOOKAHEAD > resume:
            resume, after = settle(_line_after(text, site.limit + _LOOKAHEAD - 1))
    shared = next((site._source for site in sites if site._source is not None), None) or Source(text)
    removed = sites[keep:after]
    detached = Source(old)
    for site in removed:
        site._detach(detached)
    shared.text = text
    for site in added:
        site._detach(shared)
    if delta:
        for site in sites[after:]:
            site._move(delta)
    return Edited([*sites[:keep], *added, *sites[after:]], removed, added, restart, resume - delta, delta)


def _line_after(text: str, offset: int) -> int:
    """The start of the line after the one holding ``offset`` (past the end when there is none)."""
    newline = text.find("\n", offset)
    return newline + 1 if newline >= 0 else len(text) + 1


def site_at(sites: Sequence[CommandSite], offset: int) -> CommandSite | None:
    """The command line around ``offset`` (``sites`` in document order: a bisection, not a scan)."""
    index = bisect.bisect_right(sites, offset, key=lambda site: site.start) - 1
    if index >= 0 and sites[index].contains(offset):
        return sites[index]
    return None
