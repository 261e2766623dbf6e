"""What an ``.infisical.json`` says, read from its text, and which project ID wins: no file is opened here.

Schema of the Infisical CLI's ``WorkspaceConfigFile``: Go decodes keys case-insensitively and ignores unknown
ones, so this reader does the same, and reports what it ignored. Finding and reading the file is
:mod:`project`'s job; the editor engine needs only this.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .record import field, record

FILENAME = ".infisical.json"
ENV_PROJECT = "INFISICAL_PROJECT_ID"
KEYS = ("workspaceId", "defaultEnvironment", "gitBranchToEnvironmentMapping", "defaultSecretPath", "domain")
NOT_LINKED = "Please either run infisical init to connect to a project or pass in project id with --projectId flag"


@record
class ProjectConfig:
    path: Path
    workspace_id: str = ""
    default_environment: str = ""
    branch_mapping: dict[str, str] = field(default_factory=dict)
    default_secret_path: str = ""
    domain: str = ""
    unknown_keys: tuple[str, ...] = ()


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


def project_id(explicit: str | None, env: Mapping[str, str], config: ProjectConfig | None) -> str | None:
    """The project ID by the order above; None when nothing names one."""
    for candidate in (explicit, env.get(ENV_PROJECT), config.workspace_id if config else None):
        if candidate and candidate.strip():
            return candidate.strip()
    return None


def source(explicit: str | None, chosen: str | None, env: Mapping[str, str], config: ProjectConfig | None) -> str:
    """Where the project ID came from, by the order above (named when the server does not know the project)."""
    if explicit and explicit.strip():
        return "--projectId"
    if chosen and chosen.strip():
        return "your project setting (the magic's project_id, the editor's infisical.projectId)"
    if env.get(ENV_PROJECT, "").strip():
        return ENV_PROJECT
    return str(config.path) if config is not None else "--projectId, INFISICAL_PROJECT_ID or .infisical.json"
