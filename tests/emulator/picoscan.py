"""``picomatch.scan(path).isGlob``: what the server asks to decide whether a single-scope token is pinned.

A port of the part of picomatch's ``scan`` (4.x, default options) that sets ``isGlob``. The scan stops at the
first thing that decides it, so ``/a{b}*`` is not a glob (a brace without ``,`` or ``..`` ends the scan) and an
unclosed ``[`` is not one either. tests/test_emulator_reads.py compares it with the real picomatch.
"""

from __future__ import annotations

__all__ = ["is_glob"]

_EXTGLOB_CHARS = "+@*?!"


def _brace_is_glob(text: str, index: int) -> bool:
    """After a ``{`` at ``index``: a ``,`` or ``..`` before its ``}`` makes a glob; either way the scan ends.
    Step for step as picomatch: a ``.`` consumes the character after it, which then escapes no further check."""
    depth = 1
    i = index
    while i < len(text) - 1:
        i += 1
        char = text[i]
        if char == "\\":
            i += 1
            continue
        if char == "{":
            depth += 1
            continue
        if char == ".":
            i += 1
            char = text[i] if i < len(text) else ""
            if char == ".":
                return True
        if char == ",":
            return True
        if char == "}":
            depth -= 1
            if depth == 0:
                return False
    return False


def _bracket_closes(text: str, index: int) -> bool:
    """After a ``[`` at ``index``: a later unescaped ``]`` makes a glob; either way the scan ends."""
    i = index + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "]":
            return True
        i += 1
    return False


def is_glob(path: str) -> bool:
    """True when picomatch would treat ``path`` as a pattern rather than a literal."""
    start = 0
    i = 0
    while i < len(path):
        char = path[i]
        nxt = path[i + 1 : i + 2]
        if char == "\\":
            if nxt == "{":
                return False  # an escaped brace: the scan reads to its end and stops, no glob
            i += 2
            continue
        if char == "{":
            return _brace_is_glob(path, i)
        if char in _EXTGLOB_CHARS and nxt == "(":
            return True
        if char in "*?":
            return True
        if char == "[":
            return _bracket_closes(path, i)
        if char == "!" and i == start:
            start += 1
            i += 1
            continue
        if char == "(":
            return True
        i += 1
    return False
