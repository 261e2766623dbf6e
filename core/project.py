"""``.infisical.json`` on disk: where it is (nearest, walking up), read once per change; what it says is
:mod:`project_config`. And which project a command is for, one order for every face:

A choice made outside the repository wins: a command's ``--projectId``, the magic's
``%config InfisicalMagics.project_id``, the editor's ``infisical.projectId`` setting, ``check
--projectId``. Then ``INFISICAL_PROJECT_ID``. Then the ``workspaceId`` of the nearest
``.infisical.json``, walking up from the working directory or the file being edited. (Where the
requests go, and the trust rule for a repository's ``domain``, is :func:`session.resolve_target`.)

The order itself is :func:`project_config.project_id` (pure, for the editor engine); here the nearest file is read
from disk for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import ConfigError, UsageError
from .ignore import read_regular
from .project_config import (
    FILENAME,
    NOT_LINKED,
    ProjectConfig,
    parse_project_config,
    parse_project_config_lenient,
    project_id,
)

MAX_PROJECT_BYTES = 1_000_000  # read without blocking, never more: a FIFO or /dev/zero is refused


def find_project_file(start: Path) -> Path | None:
    """The first ``.infisical.json`` in ``start`` or any parent (only existence is checked, as the CLI does)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / FILENAME
        if candidate.is_file():
            return candidate
    return None


def load_project_config(start: Path) -> ProjectConfig | None:
    """The nearest ``.infisical.json`` above ``start``, parsed; None when there is none."""
    path = find_project_file(start)
    if path is None:
        return None
    try:
        text = read_regular(path, MAX_PROJECT_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"Cannot read {path}: {err}. {NOT_LINKED}") from None
    return parse_project_config(text, path)


class ProjectFiles:
    """The editor's view of project files: read leniently, once per change on disk (mtime), with the text of
    an unsaved open document taking the place of the file. Shared by the language server and ``check``."""

    def __init__(self, open_text: Callable[[Path], str | None] | None = None) -> None:
        self._open_text = open_text
        self._parsed: dict[Path, tuple[int, ProjectConfig]] = {}
        self._walk: _TreeWalk | None = None

    def remember_lookups(self) -> ProjectFiles:
        """Remember which project file each folder has, and what it says (for one walk over a tree that does not
        change)."""
        self._walk = _TreeWalk()
        return self

    def nearest(self, folder: Path) -> Path | None:
        return find_project_file(folder) if self._walk is None else self._walk.nearest(folder)

    def read(self, path: Path) -> ProjectConfig | None:
        text = self._open_text(path) if self._open_text is not None else None
        if text is not None:
            return parse_project_config_lenient(text, path)
        try:
            stamp = path.stat().st_mtime_ns
            cached = self._parsed.get(path)
            if cached is None or cached[0] != stamp:
                text = read_regular(path, MAX_PROJECT_BYTES).decode("utf-8")
                cached = (stamp, parse_project_config_lenient(text, path))
                self._parsed[path] = cached
            return cached[1]
        except (OSError, UnicodeDecodeError):
            return None

    def for_file(self, path: Path) -> ProjectConfig | None:
        """The config a file belongs to: its own text when it is a project file, else the nearest above it (in a
        remembered walk, read once per folder: a tree's files share few folders)."""
        if path.name == FILENAME:
            return self.read(path)
        folder = path.parent
        walk = self._walk
        if walk is None:
            found = self.nearest(folder)
            return self.read(found) if found is not None else None
        if folder not in walk.configs:
            found = walk.nearest(folder)
            walk.configs[folder] = self.read(found) if found is not None else None
        return walk.configs[folder]


class _TreeWalk:
    """``find_project_file`` for many folders of one tree that does not change: each folder is resolved and probed
    once, whichever of its descendants asked first (siblings share their parents' answers)."""

    def __init__(self) -> None:
        self.configs: dict[Path, ProjectConfig | None] = {}  # folder as asked -> the config its files belong to
        self._asked: dict[Path, Path | None] = {}  # folder as asked -> its nearest project file
        self._resolved: dict[Path, Path] = {}  # folder as asked -> folder.resolve()
        self._found: dict[Path, Path | None] = {}  # resolved folder -> its nearest project file

    def nearest(self, folder: Path) -> Path | None:
        if folder not in self._asked:
            self._asked[folder] = self._nearest_resolved(self._resolve(folder))
        return self._asked[folder]

    def _resolve(self, folder: Path) -> Path:
        """``folder.resolve()``, from its parent's when the folder itself is not a link: one ``lstat``, not one
        per component of its path."""
        resolved = self._resolved.get(folder)
        if resolved is None:
            parent = folder.parent
            if parent == folder or folder.name in ("", ".", "..") or os.path.islink(folder):
                resolved = folder.resolve()
            else:
                resolved = self._resolve(parent) / folder.name
            self._resolved[folder] = resolved
        return resolved

    def _nearest_resolved(self, start: Path) -> Path | None:
        """``find_project_file(start)`` for a resolved ``start``, remembering the answer of every folder probed."""
        probed: list[Path] = []
        found: Path | None = None
        for folder in (start, *start.parents):
            if folder in self._found:
                found = self._found[folder]
                break
            probed.append(folder)
            candidate = folder / FILENAME
            if candidate.is_file():
                found = candidate
                break
        for folder in probed:
            self._found[folder] = found
        return found


def project_file_quietly(start: Path) -> ProjectConfig | None:
    """The nearest project file when it can be read; an unreadable one only matters where it is needed."""
    try:
        return load_project_config(start)
    except ConfigError:
        return None


def choose_project(explicit: str | None, env: Mapping[str, str], start: Path) -> tuple[ProjectConfig | None, str]:
    """The project file and the project ID; a broken file is an error only when the ID has to come from it."""
    config = project_file_quietly(start) if project_id(explicit, env, None) else load_project_config(start)
    found = project_id(explicit, env, config)
    if found is None:
        raise UsageError(f"{config.path} has no workspaceId. {NOT_LINKED}" if config else NOT_LINKED)
    return config, found
