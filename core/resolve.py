"""Which project a command is for: one order for every face.

A choice made outside the repository wins: a command's ``--projectId``, the magic's
``%config InfisicalMagics.project_id``, the editor's ``infisical.projectId`` setting, ``check
--projectId``. Then ``INFISICAL_PROJECT_ID``. Then the ``workspaceId`` of the nearest
``.infisical.json``, walking up from the working directory or the file being edited. (Where the
requests go, and the trust rule for a repository's ``domain``, is :func:`session.resolve_target`.)

The order itself is :func:`project_config.project_id` (pure, for the editor engine); here the nearest file is read
from disk for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .errors import ConfigError, UsageError
from .project import load_project_config
from .project_config import NOT_LINKED, ProjectConfig, project_id


def project_file_quietly(start: Path) -> ProjectConfig | None:
    """The nearest project file when it can be read; an unreadable one only matters where it is needed."""
    try:
        return load_project_config(start)
    except ConfigError:
        return None


def project(explicit: str | None, env: Mapping[str, str], start: Path) -> tuple[ProjectConfig | None, str]:
    """The project file and the project ID; a broken file is an error only when the ID has to come from it."""
    config = project_file_quietly(start) if project_id(explicit, env, None) else load_project_config(start)
    found = project_id(explicit, env, config)
    if found is None:
        raise UsageError(f"{config.path} has no workspaceId. {NOT_LINKED}" if config else NOT_LINKED)
    return config, found
