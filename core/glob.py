"""Scope-path matching with the server's semantics: ``picomatch.isMatch(path, glob, {strictSlashes: false})``.

Used for "which folders does this scope cover" (dry run, hovers, the "matches no folder"
warning). Compiled matchers are cached because one scope is matched against a whole folder tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from . import jsregex
from .picomatch import GlobSyntaxError, make_re

__all__ = [
    "GlobSyntaxError",
    "compile_glob",
    "covered",
    "is_match",
    "picomatch_matcher",
    "unbounded_reason",
    "validate",
]


MAX_GLOB_LENGTH = 512
MAX_STARS_PER_SEGMENT = 4
MAX_NESTING = 4
_REPEATING_GROUP = re.compile(r"[*+]\(")
_OPENING = re.compile(r"[([{]")


def unbounded_reason(glob: str) -> str | None:
    """Why matching ``glob`` could take practically forever (backtracking), or None when it is bounded.

    Python's regex engine, like JavaScript's, backtracks: a repeated group that can itself match anything
    (``+(*)``), many ``*`` in one folder name (``/*a*a*a*a*a*b``), or deep nesting grow exponentially or
    polynomially with the folder name's length. Real scopes never need these shapes, so they are refused
    with a reason before any matching runs (the server would hang on them just the same).
    """
    if len(glob) > MAX_GLOB_LENGTH:
        return f"it is longer than {MAX_GLOB_LENGTH} characters"
    if _OPENING.search(glob):  # without one there is no nesting and no group (nearly every scope)
        depth = deepest = 0
        for char in glob:
            if char in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in ")]}" and depth:
                depth -= 1
        if deepest > MAX_NESTING:
            return f"it nests brackets {deepest} deep (at most {MAX_NESTING})"
        for match in _REPEATING_GROUP.finditer(glob):
            inner = _group_body(glob[match.end() :])
            if "*" in inner or "+(" in inner or "?" in inner:
                group = f"{match.group()}{inner})"
                return f"the repeated group '{group}' can match anything, so matching backtracks without end"
    if glob.count("*") > MAX_STARS_PER_SEGMENT:  # else no folder name can have too many
        for segment in glob.split("/"):
            if segment != "**" and segment.count("*") > MAX_STARS_PER_SEGMENT:
                return f"the folder name pattern '{segment[:40]}' has more than {MAX_STARS_PER_SEGMENT} '*'"
    return None


_PLAIN_GLOB = re.compile(r"[A-Za-z0-9_./*?~:@%+=,-]+")


def validate(glob: str) -> None:
    """Raise GlobSyntaxError where the glob cannot be used, without building a matcher.

    Checking every scope of every file must not pay for a Python regular expression it will never run:
    a glob of plain names, ``/``, ``*`` and ``?`` is valid for picomatch whenever it is not empty, so only
    the others go through picomatch's parser.
    """
    reason = unbounded_reason(glob)
    if reason is not None:
        raise GlobSyntaxError(f"matching it could take practically forever: {reason}")
    if _PLAIN_GLOB.fullmatch(glob) and "+(" not in glob and "@(" not in glob:
        return
    try:
        make_re(glob)
    except RecursionError:
        raise GlobSyntaxError("it is nested too deeply to compile") from None


def _group_body(rest: str) -> str:
    """The text up to the ``)`` that closes a group whose ``(`` came just before ``rest``."""
    level = 1
    for index, char in enumerate(rest):
        level += (char == "(") - (char == ")")
        if level == 0:
            return rest[:index]
    return rest


def compile_glob(glob: str) -> Callable[[str], bool]:
    """Return ``path -> bool`` for ``glob``; raises GlobSyntaxError where picomatch throws (empty glob), and
    for shapes whose matching would not finish (:func:`unbounded_reason`). What every face matches with."""
    reason = unbounded_reason(glob)
    if reason is not None:
        raise GlobSyntaxError(f"matching it could take practically forever: {reason}")
    return picomatch_matcher(glob)


@lru_cache(maxsize=1024)
def picomatch_matcher(glob: str) -> Callable[[str], bool]:
    """The port of picomatch as it is, unbounded (the conformance tests compare it with the real one)."""
    try:
        compiled = make_re(glob)
    except RecursionError:
        raise GlobSyntaxError("it is nested too deeply to compile") from None
    python = jsregex.to_python(compiled.source)
    regex = re.compile(python) if python is not None else None

    def matcher(path: str) -> bool:
        if path == "":
            return False
        if path == glob:
            return True
        return regex is not None and regex.search(path) is not None

    return matcher


def is_match(path: str, glob: str) -> bool:
    """picomatch.isMatch, unbounded (for conformance)."""
    return picomatch_matcher(glob)(path)


def covered(glob: str, paths: Iterable[str]) -> list[str]:
    """The paths (folder paths such as ``/backend/api``) that ``glob`` grants access to."""
    match = compile_glob(glob)
    return [p for p in paths if match(p)]
