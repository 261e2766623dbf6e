"""Tab completion for ``%infisical`` lines (IPython's matcher API v2), from the core's editor features.

Answers come from the catalog's cache or, until it has loaded (in the background), from the slugs the
project's ``.infisical.json`` names: completion never waits on the network.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from infisical_tokens.core import analysis, command, operations
from infisical_tokens.core.catalog import Catalog, Snapshot, offline_snapshot
from infisical_tokens.core.errors import InfisicalTokensError
from IPython.core.completer import SimpleCompletion, context_matcher

_catalogs: dict[tuple[str, ...], Catalog | None] = {}
_SETTINGS = ("INFISICAL_TOKEN", "INFISICAL_DOMAIN", "INFISICAL_API_URL", "HOME")


def _shared_catalog() -> Catalog | None:
    """One background-refreshed catalog per set of credentials (built once, never blocking)."""
    key = tuple(os.environ.get(name, "") for name in _SETTINGS)
    if key in _catalogs:
        return _catalogs[key]
    _catalogs[key] = None
    ctx = operations.Context(dict(os.environ), Path.cwd(), Path.home())
    try:
        _catalogs[key] = operations.open_catalog(operations.connect_to(None, ctx, None))
    except InfisicalTokensError:
        return None
    return _catalogs[key]
    _catalogs[key] = None
    ctx = operations.Context(dict(os.environ), Path.cwd(), Path.home())
    try:
        connection = operations.connect(command.parse(["service-token", "list"]), ctx, None)
    except InfisicalTokensError:
        return None
    client = connection.client

    def fetch(project_id: str) -> tuple[Any, dict[str, list[str]]]:
        project = client.get_project(project_id)
        return project, client.folder_tree(project_id, [e.slug for e in project.environments])

    _catalogs[key] = Catalog(fetch, client.list_projects)
    return _catalogs[key]


def _snapshot() -> Snapshot:
    ctx = operations.Context(dict(os.environ), Path.cwd(), Path.home())
    try:
        config = operations.project_config(ctx)
    except InfisicalTokensError:
        config = None
    slugs = [config.default_environment, *config.branch_mapping.values()] if config else []
    project_id = os.environ.get("INFISICAL_PROJECT_ID") or (config.workspace_id if config else None) or None
    catalog = _shared_catalog()
    if catalog is None:
        return offline_snapshot(project_id, slugs, "offline")
    return catalog.snapshot(project_id, slugs)


@context_matcher(identifier="infisical_magic")  # type: ignore[untyped-decorator]
def infisical_matcher(context: Any) -> dict[str, Any]:
    line = context.text_until_cursor.rsplit("\n", 1)[-1]
    stripped = line.lstrip()
    if not stripped.startswith("%infisical"):
        return {"completions": [], "suppress": False}
    result = analysis.complete(stripped, "python", len(stripped), _snapshot())
    if not result.items:
        return {"completions": [], "suppress": False}
    start = min(item.start for item in result.items)
    fragment = stripped[start:]
    completions = [
        SimpleCompletion(item.new_text, type="param")
        for item in result.items
        if item.start == start and item.new_text.startswith(fragment)
    ]
    return {"completions": completions, "matched_fragment": fragment, "suppress": bool(completions), "ordered": True}
