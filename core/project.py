"""``.infisical.json``: where it is (nearest, walking up) and what it says.

Schema of the Infisical CLI's ``WorkspaceConfigFile``: Go decodes keys case-insensitively and
ignores unknown ones, so this reader does the same, and reports what it ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .ignore import read_regular

FILENAME = ".infisical.json"
KEYS = ("workspaceId", "defaultEnvironment", "gitBranchToEnvironmentMapping", "defaultSecretPath", "domain")
NOT_LINKED = "Please either run infisical init to connect to a project or pass in project id with --projectId flag"


@dataclass(frozen=True)
class ProjectConfig:
    path: Path
    workspace_id: str = ""
    default_environment: str = ""
    branch_mapping: dict[str, str] = field(default_factory=dict)
    default_secret_path: str = ""
    domain: str = ""
    unknown_keys: tuple[str, ...] = ()


MAX_PROJECT_BYTES = 1_000_000  # read without blocking, never more: a FIFO or /dev/zero is refused


def find_project_file(start: Path) -> Path | None:
    """The first ``.infisical.json`` in ``start`` or any parent (only existence is checked, as the CLI does)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / FILENAME
        if candidate.is_file():
            return candidate
    return None


def _string(data: dict[str, Any], key: str, path: Path) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{path}: '{key}' must be a string, not {type(value).__name__}.")
    return value


def parse_project_config(text: str, path: Path) -> ProjectConfig:
    try:
        raw = json.loads(text)
    except ValueError as err:
        raise ConfigError(f"{path} is not valid JSON ({err}). {NOT_LINKED}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a JSON object. {NOT_LINKED}")
    canonical = {k.lower(): k for k in KEYS}
    data: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        if key.lower() in canonical:
            data[canonical[key.lower()]] = value
        else:
            unknown.append(key)
    mapping = data.get("gitBranchToEnvironmentMapping") or {}
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ConfigError(f"{path}: 'gitBranchToEnvironmentMapping' must map branch names to environment slugs.")
    return ProjectConfig(
        path=path,
        workspace_id=_string(data, "workspaceId", path),
        default_environment=_string(data, "defaultEnvironment", path),
        branch_mapping=dict(mapping),
        default_secret_path=_string(data, "defaultSecretPath", path),
        domain=_string(data, "domain", path),
        unknown_keys=tuple(unknown),
    )


def parse_project_config_lenient(text: str, path: Path) -> ProjectConfig:
    """What can be read from a half-typed file (the editor's view): string values of known keys."""
    try:
        return parse_project_config(text, path)
    except ConfigError:
        pass
    from .jsonloc import members

    canonical = {k.lower(): k for k in KEYS}
    values: dict[str, str] = {}
    mapping: dict[str, str] = {}
    for member in members(text):
        value = member.value
        if value is None or value.kind != "string" or not member.path:
            continue
        key = canonical.get(str(member.path[0]).lower())
        if len(member.path) == 1 and key and key != "gitBranchToEnvironmentMapping":
            values[key] = value.value
        elif len(member.path) == 2 and key == "gitBranchToEnvironmentMapping":
            mapping[str(member.path[1])] = value.value
    return ProjectConfig(
        path=path,
        workspace_id=values.get("workspaceId", ""),
        default_environment=values.get("defaultEnvironment", ""),
        branch_mapping=mapping,
        default_secret_path=values.get("defaultSecretPath", ""),
        domain=values.get("domain", ""),
    )


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
