"""Which folder listings a question depends on: a scope's fixed prefix and the subtree below it.

Pure, so the editor engine can say what it needs without importing the walk that reads it (:mod:`folders`).
"""

from __future__ import annotations

from functools import lru_cache

from .record import record
from .secret_path import GLOB_CHARS


@record
class Need:
    """List ``root`` in ``environment``; with ``deep``, every folder below it too."""

    environment: str
    root: str
    deep: bool = True


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


@lru_cache(maxsize=8192)  # an audit asks it for every scope of 10,000 tokens, which repeat
def fixed_prefix(path: str) -> tuple[str, bool]:
    """The folder a glob path cannot leave (its leading segments without glob characters), and whether that
    is the whole path (an exact folder)."""
    segments = [s for s in path.split("/") if s]
    fixed: list[str] = []
    for segment in segments:
        if any(c in GLOB_CHARS for c in segment):
            break
        fixed.append(segment)
    return "/" + "/".join(fixed), len(fixed) == len(segments)


def needs_for_scope(environment: str, path: str) -> list[Need]:
    """What a scope's coverage depends on: the folders under its fixed prefix (and that prefix's own parent)."""
    if not path.startswith("/"):
        return []
    prefix, exact = fixed_prefix(path)
    found = [Need(environment, parent_of(prefix), deep=False)] if prefix != "/" else []
    if not exact or prefix == "/":
        found.append(Need(environment, prefix, deep=not exact))
    return found
