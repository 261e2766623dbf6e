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
from .resolved import ResolvedFolders

MAX_PROJECT_BYTES = 1_000_000  # read without blocking, never more: a FIFO or /dev/zero is refused


def find_project_file(start: Path, known: dict[str, Path | None] | None = None) -> Path | None:
    """The first ``.infisical.json`` in ``start`` or any parent (only existence is checked, as the CLI does).
    ``known``: each resolved folder's answer from earlier calls, filled in by this one (a walk over one tree)."""
    return _nearest_from(str(start.resolve()), {} if known is None else known)


def _nearest_from(start: str, known: dict[str, Path | None]) -> Path | None:
    """:func:`find_project_file` from a resolved folder, remembering the answer of every folder probed."""
    probed: list[str] = []
    found: Path | None = None
    folder = start
    while True:
        if folder in known:
            found = known[folder]
            break
        probed.append(folder)
        candidate = Path(folder, FILENAME)
        if candidate.is_file():
            found = candidate
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for folder in probed:
        known[folder] = found
    return found


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
        walk = self._walk
        if walk is None:
            found = path if path.name == FILENAME else self.nearest(path.parent)
            return self.read(found) if found is not None else None
        if path.name == FILENAME:
            return self.read(path)
        key = os.path.dirname(path)  # the folder as text: a file of a folder seen before costs one lookup
        try:
            return walk.configs[key]
        except KeyError:
            found = walk.nearest(path.parent)
            if found not in walk.parsed:  # each project file read once in the walk, whichever folder asked first
                walk.parsed[found] = self.read(found) if found is not None else None
            config = walk.configs[key] = walk.parsed[found]
            return config


class _TreeWalk:
    """``find_project_file`` for many folders of one tree that does not change: each folder is resolved and probed
    once, whichever of its descendants asked first (siblings share their parents' answers). Folders are kept as
    text: a tree's walk asks about each many times, and a Path costs more to hash than to find."""

    def __init__(self) -> None:
        self.configs: dict[str, ProjectConfig | None] = {}  # a file's folder -> the config its files belong to
        self.parsed: dict[Path | None, ProjectConfig | None] = {}  # a project file -> what it says
        self._resolve = ResolvedFolders()
        self._found: dict[str, Path | None] = {}  # resolved folder -> its nearest project file

    def nearest(self, folder: Path) -> Path | None:
        return _nearest_from(self._resolve(folder), self._found)


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
