"""Which folders a scope covers, at the scale of a real project: 10,000 tokens over 5,000 folders.

A glob cannot leave its fixed prefix (``folders.fixed_prefix``), so only the folders under it are matched,
found by bisection in the environment's folders sorted once; each distinct (environment, glob) is matched
once. Matching every scope against every folder made an audit grow with tokens x folders.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from .folders import fixed_prefix
from .glob import GlobSyntaxError, compile_glob


def under(ordered: Sequence[str], prefix: str) -> Sequence[str]:
    """The folders of sorted ``ordered`` that are ``prefix`` or inside it (and a few siblings that only share
    its characters, such as ``/a-b`` for ``/a``: a glob's match rejects those)."""
    if prefix == "/":
        return ordered
    return ordered[bisect.bisect_left(ordered, prefix) : bisect.bisect_left(ordered, prefix + "0")]  # "0" follows "/"


def covered(ordered: Sequence[str], glob: str) -> list[str]:
    """The folders of sorted ``ordered`` that ``glob`` (a server path) matches; raises GlobSyntaxError."""
    match = compile_glob(glob)
    return [folder for folder in under(ordered, fixed_prefix(glob)[0]) if match(folder)]


class FolderIndex:
    """Each environment's folders, sorted on first use; coverage remembered per (environment, glob)."""

    def __init__(self, tree: Mapping[str, Sequence[str]]) -> None:
        self._tree = tree
        self._sorted: dict[str, list[str]] = {}
        self._covered: dict[tuple[str, str], list[str] | None] = {}

    def _ordered(self, env: str) -> list[str]:
        ordered = self._sorted.get(env)
        if ordered is None:
            ordered = self._sorted[env] = sorted(self._tree.get(env, ()))
        return ordered

    def below(self, env: str, prefix: str) -> Sequence[str]:
        """The folders strictly inside ``prefix``."""
        ordered, inside = self._ordered(env), prefix.rstrip("/") + "/"
        return ordered[bisect.bisect_left(ordered, inside) : bisect.bisect_left(ordered, inside[:-1] + "0")]

    def covered(self, env: str, glob: str) -> list[str] | None:
        """The folders ``glob`` matches in ``env``; None for a glob the server cannot read."""
        key = (env, glob)
        if key not in self._covered:
            try:
                self._covered[key] = covered(self._ordered(env), glob)
            except GlobSyntaxError:
                self._covered[key] = None
        return self._covered[key]
