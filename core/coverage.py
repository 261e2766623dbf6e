"""Which folders a scope covers, at the scale of a real project: 10,000 tokens over 5,000 folders.

A glob cannot leave its fixed prefix (``needs.fixed_prefix``), so only the folders under it are matched,
found by bisection in the environment's folders sorted once; each distinct (environment, glob) is matched
once. Matching every scope against every folder made an audit grow with tokens x folders.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence

from .glob import GlobSyntaxError, compile_glob
from .needs import fixed_prefix

_PLAIN = re.compile(r"(?:/[A-Za-z0-9_-]+)+")  # a folder path no glob reads specially (no dots, no signs)


def under(ordered: Sequence[str], prefix: str) -> Sequence[str]:
    """The folders of sorted ``ordered`` that are ``prefix`` or inside it (and a few siblings that only share
    its characters, such as ``/a-b`` for ``/a``: a glob's match rejects those)."""
    if prefix == "/":
        return ordered
    return ordered[bisect.bisect_left(ordered, prefix) : bisect.bisect_left(ordered, prefix + "0")]  # "0" follows "/"


def covered(ordered: Sequence[str], glob: str) -> list[str]:
    """The folders of sorted ``ordered`` that ``glob`` (a server path) matches; raises GlobSyntaxError.

    The commonest scopes, a plain folder (``/a/b``) or a plain folder's subtree (``/a/b/**``), decide plain
    folder names without a compiled matcher (compiling one costs a millisecond; an audit may meet thousands
    of distinct scopes); any other name, and any other glob, asks the matcher."""
    prefix = fixed_prefix(glob)[0]
    # a match starts with the glob's own leading text: the prefix when the glob spells it so (not "/a//b")
    candidates = under(ordered, prefix) if glob == prefix or glob.startswith(prefix.rstrip("/") + "/") else ordered
    deep = glob == prefix + "/**"
    if not (deep or glob == prefix) or _PLAIN.fullmatch(prefix) is None:
        match = compile_glob(glob)
        return [folder for folder in candidates if match(folder)]
    found = []
    for folder in candidates:
        if _PLAIN.fullmatch(folder) is None:
            if compile_glob(glob)(folder):  # compiled once (cached), only when a folder name needs it
                found.append(folder)
        elif folder == prefix or (deep and folder.startswith(prefix + "/")):
            found.append(folder)
    return found


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
