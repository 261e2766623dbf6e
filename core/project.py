"""``.infisical.json`` on disk: where it is (nearest, walking up), read once per change; what it says is
:mod:`project_config`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import ConfigError
from .ignore import read_regular
from .project_config import FILENAME, NOT_LINKED, ProjectConfig, parse_project_config, parse_project_config_lenient

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
        self._nearest: dict[Path, Path | None] | None = None

    def remember_lookups(self) -> ProjectFiles:
        """Remember which project file each folder has (for one walk over a tree that does not change)."""
        self._nearest = {}
        return self

    def nearest(self, folder: Path) -> Path | None:
        if self._nearest is None:
            return find_project_file(folder)
        if folder not in self._nearest:
            self._nearest[folder] = find_project_file(folder)
        return self._nearest[folder]

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
        """The config a file belongs to: its own text when it is a project file, else the nearest above it."""
        found = path if path.name == FILENAME else self.nearest(path.parent)
        return self.read(found) if found is not None else None
