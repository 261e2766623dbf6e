"""Commands about the catalog and status: a project's environments, folders and projects (the pickers), its
status (the status item) and a refresh, each answered from the catalog's snapshots."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from infisical_tokens.core.redact import redact

from . import protocol
from .server import InfisicalLanguageServer, server_command
from .status import status_reason

if TYPE_CHECKING:
    from infisical_tokens.core.snapshot import Snapshot

log = logging.getLogger("infisical_tokens.lsp")
STATUS_RECHECK_SECONDS = 5.0  # a status asked for after this long since the server last answered asks it again


def _status_failed(reason: str) -> protocol.StatusAnswer:
    return {"projectId": None, "defaultEnvironment": "", "branchMapping": {}, "online": False, "reason": reason}


def _snapshot_for(ls: InfisicalLanguageServer, request: dict[str, Any]) -> Snapshot:
    project_id = request.get("projectId")
    if isinstance(project_id, str) and project_id and ls.catalog is not None:
        return ls.catalog.snapshot(project_id)
    return ls.context_for(str(request.get("uri") or "")).snapshot


@server_command(protocol.LIST_ENVIRONMENTS, lambda reason: {"online": False, "environments": []})
async def list_environments(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.EnvironmentsAnswer:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    return {"online": snap.online, "environments": [{"slug": e.slug, "name": e.name} for e in snap.environments]}


@server_command(
    protocol.LIST_FOLDERS, lambda reason: {"online": False, "folders": [], "reason": reason, "partial": True}
)
async def list_folders(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.FoldersAnswer:
    from infisical_tokens.core.needs import Need

    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    environment = str(request.get("environment", ""))
    folders = list(snap.folders.get(environment, ()))
    partial = not snap.online or snap.note is not None or not snap.knows_all(Need(environment, "/"))
    return {"online": snap.online, "folders": folders, "reason": status_reason(snap), "partial": partial}


@server_command(protocol.LIST_PROJECTS, lambda reason: {"online": False, "projects": []})
async def list_projects(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.ProjectsAnswer:
    await ls.until_ready()
    snap = _snapshot_for(ls, request)
    projects = snap.projects or (ls.catalog.projects() if ls.catalog else ())
    return {"online": snap.online, "projects": [{"id": p.id, "name": p.name} for p in projects]}


@server_command(protocol.STATUS, _status_failed)
async def status(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.StatusAnswer:
    await ls.until_ready()
    context = ls.context_for(str(request.get("uri") or ""))
    snap, config = context.snapshot, context.config
    if ls.catalog is not None and context.project_id:
        # asked when a person switches editors: a server gone since its last answer shows in a moment
        # (statusChanged), without waiting for the cache to go stale
        snap = ls.catalog.snapshot(context.project_id, max_age=STATUS_RECHECK_SECONDS)
    online = snap.online and snap.error is None
    loading = "loading environments and folders" if ls.catalog is not None and not snap.online else None
    return {
        "projectId": context.project_id,
        "defaultEnvironment": config.default_environment if config else "",
        "branchMapping": config.branch_mapping if config else {},
        "online": online,
        "reason": status_reason(snap) if online or snap.error else (ls.offline_reason or loading),
    }


@server_command(protocol.REFRESH, lambda reason: {"online": False, "reason": reason})
async def refresh_catalog(ls: InfisicalLanguageServer, request: dict[str, Any]) -> protocol.RefreshAnswer:
    await ls.until_ready()
    project_id = request.get("projectId") or ls.context_for(str(request.get("uri") or "")).project_id
    if ls.catalog is None or not project_id:
        return {"online": False, "reason": ls.offline_reason or "no project"}
    token = f"infisical-refresh-{uuid.uuid4()}"  # a progress token may be registered only once per run
    progress = ls.supports_progress
    if progress:
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(
                token, types.WorkDoneProgressBegin(title="Infisical", message="Loading environments and folders")
            )
        except Exception as err:
            log.info("no progress for this refresh: %s", type(err).__name__)
            progress = False
    try:
        await asyncio.wrap_future(ls.catalog.refresh(str(project_id), forget=True))
        online, reason = True, None
    except Exception as err:
        online, reason = False, redact(str(err))
    finally:
        if progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    return {"online": online, "reason": reason}
