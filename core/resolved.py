"""Folders of one tree resolved (``Path.resolve()``) once each, and cheaply: a folder that is not a link resolves to
its parent's resolution joined with its name, one ``lstat`` instead of one per component of its path.

For a walk over a tree that does not change while it runs: ``check``'s project-file lookups and its shown paths.
"""

from __future__ import annotations

import os
from pathlib import Path


class ResolvedFolders:
    """``str(folder.resolve())`` for each folder asked about, each computed once (its parents' too)."""

    def __init__(self) -> None:
        self._resolved: dict[str, str] = {}

    def __call__(self, folder: Path) -> str:
        key = os.fspath(folder)
        resolved = self._resolved.get(key)
        if resolved is None:
            if folder.name in ("", ".", "..") or os.path.islink(folder):  # a root, "." or "..", or a link
                resolved = os.fspath(folder.resolve())
            else:
                resolved = os.path.join(self(folder.parent), folder.name)
            self._resolved[key] = resolved
        return resolved
