"""A secret path as the server reads it: trimmed, one trailing slash dropped, matched by picomatch.

Pure and dependency-free, so the scope checks (:mod:`scope`), what a token reads (:mod:`reach`) and the folder
needs (:mod:`needs`) share one reading without importing each other.
"""

from __future__ import annotations

GLOB_CHARS = set("*?[]{}()!+@")


def normalize_path(path: str) -> str:
    path = path.strip()
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    return path


def starts_matchable(path: str) -> bool:
    """Whether picomatch can match an absolute folder path with this glob at all."""
    return path.startswith(("/", "**", "!", "{", "(", "@(", "+(", "?(", "*("))
