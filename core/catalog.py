"""Environments, folder trees and projects, cached per project and refreshed in the background.

Readers never wait: :meth:`Catalog.snapshot` answers from the cache (or from what the workspace
itself says, offline) and schedules a refresh when the cache is missing or stale. Editors re-run
their checks when ``on_update`` fires. A server that cannot be reached (or answers 5xx) is asked
again in the background, sooner at first, so an editor notices it coming back without anyone asking.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from .errors import ServerError, TransportError
from .models import Generation, ProjectInfo
from .needs import Need
from .record import record, replace
from .snapshot import Snapshot, offline_snapshot


@record
class Loaded:
    """What one fetch learnt: the project, the folders known, and whether the server cut the reading short."""

    project: ProjectInfo
    folders: Mapping[str, list[str]]
    listed: frozenset[tuple[str, str]] | None = None  # (environment, parent) whose children are known; None: all
    note: str | None = None  # e.g. "rate-limited by the server; coverage from 06:45"
    retry_at: float | None = None  # wall-clock time the server's budget returns, when it ran out
    generation: Generation | None = None  # the server's, when its routes told


Fetch = Callable[[str, frozenset[Need]], Loaded]
ListProjects = Callable[[], list[ProjectInfo]]


class Catalog:
    def __init__(
        self,
        fetch: Fetch | None,
        list_projects: ListProjects | None = None,
        *,
        ttl: float = 300.0,
        retry_after: float = 60.0,
        probe_after: float = 2.0,
        on_update: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        forget: Callable[[str], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self._forget = forget  # drops what is remembered of a project (its folder cache), for a forced refresh
        self._list_projects = list_projects
        self.ttl = ttl
        self.retry_after = retry_after
        self.probe_after = probe_after  # first background retry after an unreachable server; doubles to retry_after
        self._probes: dict[str, float] = {}
        self.on_update = on_update
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, Snapshot] = {}
        self._projects: tuple[ProjectInfo, ...] = ()
        self._pending: dict[str, Future[Snapshot]] = {}
        self._errors: dict[str, str] = {}
        self._failed_at: dict[str, float] = {}
        self._wants: dict[str, set[Need]] = {}  # folder listings editors asked for, per project
        self._timers: list[threading.Timer] = []
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="infisical-catalog")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def want(self, project_id: str, needs: Iterable[Need]) -> bool:
        """Ask for folder listings not known yet (read in the background); True when any was new."""
        with self._lock:
            cached = self._cache.get(project_id)
            wants = self._wants.setdefault(project_id, set())
            new = {n for n in needs if n not in wants and (cached is None or not cached.knows_all(n))}
            wants |= new
        return bool(new)

    def snapshot(
        self,
        project_id: str | None,
        workspace_slugs: Iterable[str] = (),
        needs: Iterable[Need] = (),
        max_age: float | None = None,
    ) -> Snapshot:
        """The best answer available now; schedules a refresh when missing, stale, or lacking ``needs``.

        ``max_age`` (seconds) is a shorter staleness than the cache's own, for a status display that is looked
        at: it should not say online for long about a server that has gone."""
        if project_id is None:
            reason = "no project (no .infisical.json or project setting)"
            return offline_snapshot(None, workspace_slugs, reason, self.projects())
        now = self._clock()
        with self._lock:
            cached = self._cache.get(project_id)
            error = self._errors.get(project_id)
            failed_at = self._failed_at.get(project_id)
        age = self.ttl if max_age is None else max_age
        stale = cached is None or cached.fetched_at is None or now - cached.fetched_at > age
        stale = self.want(project_id, needs) or stale
        # after a failure, readers wait retry_after before asking again: an editor re-checking on every update
        # must not turn a 403 into a request loop (refresh() still asks at once)
        backing_off = failed_at is not None and now - failed_at < self.retry_after
        if stale and not backing_off and self._fetch is not None:
            self.refresh(project_id)
        if cached is not None:
            # the last refresh failed: keep answering from the cache, but say the server is not answering
            return replace(cached, error=error) if error else cached
        reason = error or ("offline" if self._fetch is None else "loading")
        return offline_snapshot(project_id, workspace_slugs, reason, self.projects())

    def refresh(self, project_id: str, *, forget: bool = False) -> Future[Snapshot]:
        """Fetch in the background (at most one fetch per project at a time); ``forget``: read afresh, not from
        the folder cache (a person asked to refresh)."""
        if forget and self._forget is not None:
            self._forget(project_id)
        with self._lock:
            pending = self._pending.get(project_id)
            if pending is not None and not pending.done():
                return pending
            try:
                if self._closed:
                    raise RuntimeError("the catalog was closed")
                future = self._executor.submit(self._load, project_id)
            except RuntimeError as err:  # a timer that fired as the catalog closed, or as the process exits
                closed: Future[Snapshot] = Future()
                closed.set_exception(err)
                return closed
            self._pending[project_id] = future
            return future

    def wait(self, project_id: str, timeout: float | None = None, needs: Iterable[Need] = ()) -> Snapshot:
        """Block until the project (and ``needs``) are loaded (for ``infisical-tokens check --online``)."""
        with self._lock:
            cached = self._cache.get(project_id)
        if self.want(project_id, needs) or cached is None:
            pending = self.refresh(project_id)
            if not pending.done() and self.want(project_id, needs):
                pending.result(timeout)  # the fetch under way started before these needs: one more
                pending = self.refresh(project_id)
            pending.result(timeout)
        with self._lock:
            return self._cache[project_id]

    def _load(self, project_id: str) -> Snapshot:
        assert self._fetch is not None
        with self._lock:
            needs = frozenset(self._wants.get(project_id, ()))
        try:
            loaded = self._fetch(project_id, needs)
            projects = self._list_projects() if self._list_projects is not None else ()
        except Exception as err:
            with self._lock:
                self._errors[project_id] = str(err)
                self._failed_at[project_id] = self._clock()
                probe = None
                if isinstance(err, TransportError | ServerError):
                    probe = self._probes.get(project_id, self.probe_after)
                    self._probes[project_id] = min(probe * 2, self.retry_after)
            if probe is not None:
                self._after(probe, project_id)
            if self.on_update is not None:
                self.on_update(project_id)
            raise
        snapshot = Snapshot(
            project_id,
            loaded.project.environments,
            {slug: tuple(paths) for slug, paths in loaded.folders.items()},
            tuple(projects),
            True,
            None,
            self._clock(),
            loaded.listed,
            loaded.note,
            loaded.generation,
        )
        if loaded.retry_at is not None:
            self._after(max(0.0, loaded.retry_at - time.time()), project_id)
        with self._lock:
            self._cache[project_id] = snapshot
            self._errors.pop(project_id, None)
            self._failed_at.pop(project_id, None)
            self._probes.pop(project_id, None)
            if self._wants.get(project_id, set()) - needs:  # asked for while this fetch ran: read on
                self._pending[project_id] = self._executor.submit(self._load, project_id)
        if self.on_update is not None:
            self.on_update(project_id)
        return snapshot

    def _after(self, seconds: float, project_id: str) -> None:
        """Ask again later in the background (nobody waits on this): a rate limit's end, or a server's return."""
        timer = threading.Timer(seconds + 0.5, self.refresh, args=(project_id,))
        timer.daemon = True
        with self._lock:
            if self._closed:
                return
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

    def projects(self) -> tuple[ProjectInfo, ...]:
        """The user's projects (for a file that names none yet); fetched in the background once."""
        with self._lock:
            found = [s.projects for s in self._cache.values() if s.projects]
            if found:
                return found[0]
            if self._projects or self._list_projects is None or "" in self._pending:
                return self._projects
            self._pending[""] = self._executor.submit(self._load_projects)
            return self._projects

    def _load_projects(self) -> Snapshot:
        assert self._list_projects is not None
        projects = tuple(self._list_projects())
        with self._lock:
            self._projects = projects
        if self.on_update is not None:
            self.on_update("")
        return Snapshot(None, projects=projects)
