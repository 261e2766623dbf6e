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

__all__ = ["GlobSyntaxError", "compile_glob", "covered", "is_match"]


@lru_cache(maxsize=1024)
def compile_glob(glob: str) -> Callable[[str], bool]:
    """Return ``path -> bool`` for ``glob``; raises GlobSyntaxError where picomatch throws (empty glob)."""
    compiled = make_re(glob)
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
    return compile_glob(glob)(path)


def covered(glob: str, paths: Iterable[str]) -> list[str]:
    """The paths (folder paths such as ``/backend/api``) that ``glob`` grants access to."""
    match = compile_glob(glob)
    return [p for p in paths if match(p)]
