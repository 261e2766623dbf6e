"""Folder trees at real scale: read only the subtrees a question needs, remember them on disk, and respect rate limits.

Newer servers answer the whole tree in one call. Older ones (2024) list one folder per request and allow
about 60 reads a minute per route, so a tree of a few hundred folders can never be walked in one go. Here
each listing (environment, parent folder -> child names) is cached per user on disk, keyed by API URL and
project (folder names only: no credentials, no secrets), fresh for ``ttl`` seconds. A walk asks only for the
subtrees its needs name, stops before the server's budget (its ``x-ratelimit-remaining``) is gone, and falls
back on older listings with their date, saying so.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import cachefile
from .errors import APIError, NotFound, RateLimited, TransportError
from .needs import Need, parent_of
from .record import record

if TYPE_CHECKING:
    from .api import InfisicalClient

FRESH_SECONDS = 300.0
RESERVE = 2  # requests of the server's budget a walk leaves for the person's own next action
FOLDERS_ROUTE = "/v1/folders"  # the route a walk reads, one listing a request
# what a cache file may hold: a 5,000-folder project's names take about 100 kB
MAX_CACHE_BYTES = 8 * 1024 * 1024
MAX_BUDGET_BYTES = 64 * 1024
MAX_LISTINGS = 50_000
MAX_CHILDREN = 10_000  # in one folder
MAX_DEPTH = 64  # folders in a path
MAX_NAME = 255
MAX_ROUTES = 64
CLOCK_SKEW = 60.0  # seconds a cached time may lie in the future (clocks of one machine agree; this is slack)


@record
class Bounds:
    """How far one walk may go, whatever the server answers: a server listing a child in every folder (or a
    cache saying so) must cost a bounded number of reads, levels and seconds, then a partial answer.

    A 2024 server allows 60 reads a minute, so an honest walk stops on the rate limit long before 300 reads;
    real folder trees are a few levels deep."""

    requests: int = 300
    depth: int = 40
    seconds: float = 30.0


def cache_dir(platform: str = sys.platform) -> Path | None:
    """The per-user folder cache, where ``platform`` keeps caches (platformdirs reads the environment):
    ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows.
    None when the platform names no such folder: the walks then work without a cache."""
    from platformdirs.macos import MacOS
    from platformdirs.unix import Unix
    from platformdirs.windows import Windows

    kind = Windows if platform == "win32" else MacOS if platform == "darwin" else Unix
    try:
        return Path(kind("infisical-tokens", appauthor=False).user_cache_dir) / "folders"
    except (OSError, ValueError, KeyError, NotImplementedError):
        return None


class FolderStore:
    """The listings known for one project of one instance, read from and saved to a per-user cache file.

    The cache is a folder other programs (or people) may have written to: every entry is validated (a finite
    time not in the future, folder names and paths of bounded size and depth, the right types), one that does
    not is ignored and the file rewritten without it. The same folder shares what was learnt of the server's
    read budget (per API URL and route, until its window resets), so a later process does not spend a refused
    read to learn the budget is gone.
    """

    def __init__(
        self, api_url: str, project_id: str, folder: Path | None, clock: Callable[[], float] = time.time
    ) -> None:
        key = hashlib.sha256(f"{api_url}\n{project_id}".encode()).hexdigest()[:32]
        budget_key = hashlib.sha256(api_url.encode()).hexdigest()[:32]
        self.file = folder / f"{key}.json" if folder is not None else None
        self.budget_file = folder / f"budget-{budget_key}.json" if folder is not None else None
        self.clock = clock
        self._listings: dict[str, dict[str, tuple[list[str], float]]] = {}
        self._whole: dict[str, float] = {}  # environments read whole (one call): a path not listed has no folders
        self._budget: dict[str, tuple[int, float]] = {}
        self._load()

    def _usable(self) -> bool:
        """Whether the cache folder (and the ``infisical-tokens`` folder above it) is this user's, made private."""
        if self.file is None:
            return False
        folder = self.file.parent
        return cachefile.private_folder(folder.parent, create=False) and cachefile.private_folder(folder, create=False)

    def _load(self) -> None:
        if self.file is None or not self._usable():
            return
        self._listings, self._whole, clean = _valid_cache(cachefile.read_json(self.file, MAX_CACHE_BYTES), self.clock())
        if not clean and os.path.lexists(self.file):
            self.save()  # something in it did not validate: ignored, and rewritten without it
        if self.budget_file is not None:
            self._budget = _valid_budget(cachefile.read_json(self.budget_file, MAX_BUDGET_BYTES), self.clock())

    def _as_json(self) -> dict[str, object]:
        listings = {
            env: {parent: {"children": children, "at": at} for parent, (children, at) in known.items()}
            for env, known in self._listings.items()
        }
        return {"listings": listings, "whole": self._whole}

    def save(self) -> None:
        if self.file is None or not cachefile.private_folder(self.file.parent.parent, create=True):
            return
        cachefile.write_json(self.file, self._as_json())

    def budget(self, route: str) -> tuple[int, float] | None:
        """(reads left, when the budget resets) for a route as another process of this user last learnt it."""
        known = self._budget.get(route)
        return known if known is not None and known[1] > self.clock() else None

    def share_budget(self, route: str, remaining: int, reset_at: float) -> None:
        """Tell later processes what the server said of a route's budget (merged with what others said)."""
        if self.budget_file is None or not self._usable():
            return
        now = self.clock()
        known = _valid_budget(cachefile.read_json(self.budget_file, MAX_BUDGET_BYTES), now)
        known[route] = _tighter(known.get(route), (remaining, reset_at)) or (remaining, reset_at)
        self._budget = known
        cachefile.write_json(
            self.budget_file, {"routes": {r: {"remaining": n, "reset": at} for r, (n, at) in known.items()}}
        )

    def get(self, environment: str, parent: str) -> tuple[list[str], float] | None:
        found = self._listings.get(environment, {}).get(parent)
        if found is None and environment in self._whole:
            return [], self._whole[environment]
        return found

    def is_whole(self, environments: Iterable[str]) -> bool:
        """Whether every one of these environments was read whole (so every listing is known)."""
        return all(env in self._whole for env in environments)

    def put(self, environment: str, parent: str, children: Iterable[str], at: float | None = None) -> None:
        self._whole.pop(environment, None)
        self._listings.setdefault(environment, {})[parent] = (sorted(set(children)), self.clock() if at is None else at)

    def put_tree(self, tree: Mapping[str, Iterable[str]]) -> None:
        """Every listing of whole trees (``env -> every path``), as one call on a newer server answers."""
        now = self.clock()
        for environment, paths in tree.items():
            children: dict[str, list[str]] = {"/": []}
            for path in paths:
                if path == "/":
                    continue
                children.setdefault(parent_of(path), []).append(path.rsplit("/", 1)[1])
                children.setdefault(path, [])
            self._listings[environment] = {parent: (sorted(names), now) for parent, names in children.items()}
            self._whole[environment] = now

    def forget(self) -> None:
        """Drop every listing, here and on disk."""
        self._listings, self._whole = {}, {}
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.unlink()

    def listed(self) -> frozenset[tuple[str, str]]:
        """Every (environment, parent) whose children are known (fresh or not)."""
        return frozenset((env, parent) for env, listings in self._listings.items() for parent in listings)

    def paths(self, environment: str) -> list[str]:
        """Every folder known to exist, reached from ``/`` through known listings (``/`` included)."""
        listings = self._listings.get(environment, {})
        found, queue = ["/"], deque(["/"])
        while queue:
            parent = queue.popleft()
            entry = listings.get(parent)
            for name in entry[0] if entry else ():
                child = f"{parent.rstrip('/')}/{name}"
                found.append(child)
                queue.append(child)
        return sorted(found)


def _time(value: object, now: float) -> float | None:
    """A cached time: a finite, non-negative number no later than now (give or take the skew)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        at = float(value)
    except OverflowError:
        return None
    return at if math.isfinite(at) and 0 <= at <= now + CLOCK_SKEW else None


def _name(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME and "/" not in value and value.isprintable()


def _path(value: object) -> bool:
    if value == "/":
        return True
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_DEPTH * (MAX_NAME + 1):
        return False
    segments = value[1:].split("/")
    return len(segments) <= MAX_DEPTH and all(_name(s) for s in segments)


def _valid_cache(
    raw: object, now: float
) -> tuple[dict[str, dict[str, tuple[list[str], float]]], dict[str, float], bool]:
    """(listings, environments read whole, whether everything validated) from a cache file's JSON."""
    listings: dict[str, dict[str, tuple[list[str], float]]] = {}
    whole: dict[str, float] = {}
    if not isinstance(raw, dict) or not isinstance(raw.get("listings"), dict):
        return listings, whole, False
    stamps = raw.get("whole", {})
    clean = isinstance(stamps, dict)
    for env, stamp in stamps.items() if isinstance(stamps, dict) else ():
        at = _time(stamp, now)
        if _name(env) and at is not None:
            whole[env] = at
        else:
            clean = False
    count = 0
    for env, known in raw["listings"].items():
        if not _name(env) or not isinstance(known, dict):
            clean = False
            continue
        for parent, entry in known.items():
            children = entry.get("children") if isinstance(entry, dict) else None
            at = _time(entry.get("at"), now) if isinstance(entry, dict) else None
            if (
                at is None
                or count >= MAX_LISTINGS
                or not _path(parent)
                or not isinstance(children, list)
                or len(children) > MAX_CHILDREN
                or not all(_name(c) for c in children)
            ):
                clean = False
                continue
            listings.setdefault(env, {})[parent] = (sorted(set(children)), at)
            count += 1
    return listings, whole, clean


def _valid_budget(raw: object, now: float) -> dict[str, tuple[int, float]]:
    """Each route's (reads left, when the window resets) from a budget file's JSON, windows not yet over."""
    routes = raw.get("routes") if isinstance(raw, dict) else None
    found: dict[str, tuple[int, float]] = {}
    for route, entry in routes.items() if isinstance(routes, dict) else ():
        remaining = entry.get("remaining") if isinstance(entry, dict) else None
        reset = _time(entry.get("reset"), now + 3600) if isinstance(entry, dict) else None
        if (
            len(found) < MAX_ROUTES
            and isinstance(route, str)
            and route.startswith("/")
            and len(route) <= 512
            and isinstance(remaining, int)
            and not isinstance(remaining, bool)
            and 0 <= remaining <= 1_000_000
            and reset is not None
            and reset > now
        ):
            found[route] = (remaining, reset)
    return found


def _tighter(known: tuple[int, float] | None, learnt: tuple[int, float] | None) -> tuple[int, float] | None:
    """Of two accounts of one route's budget: the later window's, or in the same window the fewer reads left."""
    if known is None or learnt is None:
        return learnt or known
    if abs(known[1] - learnt[1]) < 2:  # the same window (its end is told in whole seconds)
        return min(known[0], learnt[0]), max(known[1], learnt[1])
    return learnt if learnt[1] > known[1] else known


@record
class ReadResult:
    complete: bool  # every need answered from fresh listings
    oldest: float | None  # the oldest listing used (for "coverage from <time>")
    rate_limited_until: float | None = None  # when the server's budget comes back, if it ran out
    error: str | None = None  # why some listings are missing or old
    cut_short: str | None = None  # which of the walk's bounds stopped it

    def note(self) -> str | None:
        """A sentence for people when the answer is partial or old."""
        if self.complete:
            return None
        since = time.strftime("%H:%M", time.localtime(self.oldest)) if self.oldest else None
        if self.rate_limited_until is not None:
            return "rate-limited by the server; " + (f"coverage from {since}" if since else "coverage incomplete")
        if self.cut_short is not None:
            return f"coverage is partial: {self.cut_short}"
        said = (self.error or "could not read every folder").rstrip(".")  # an error's text ends a sentence
        return said + (f"; coverage from {since}" if since else "")


def read(
    client: InfisicalClient,
    project_id: str,
    needs: Iterable[Need],
    store: FolderStore,
    *,
    ttl: float = FRESH_SECONDS,
    bounds: Bounds = Bounds(),
) -> ReadResult:
    """Answer ``needs`` from fresh listings, the server, or (failing that) older listings, within ``bounds``;
    save what was learnt."""
    started = time.monotonic()
    wanted = list(dict.fromkeys(needs))
    if not wanted:
        return ReadResult(True, None)
    now = store.clock()
    try:
        whole = _whole_tree(client, project_id, store, wanted, ttl, now)
    except (APIError, TransportError) as err:
        known = [e[1] for n in wanted if (e := store.get(n.environment, n.root)) is not None]
        limited = now + (err.retry_after or 60.0) if isinstance(err, RateLimited) else None
        return ReadResult(False, min(known) if known else None, limited, str(err))
    if whole:
        store.save()
        return ReadResult(True, now)
    oldest: float | None = None
    limited_until: float | None = None
    error: str | None = None
    stopped: str | None = None  # a bound on reads or time: nothing more is sent
    too_deep: str | None = None  # the depth bound: other subtrees are still read
    complete, sent = True, 0
    queue = deque((n.environment, n.root, n.deep) for n in wanted)
    seen: set[tuple[str, str, bool]] = set()  # a folder asked for shallow, then deep, must still be descended
    while queue:
        environment, parent, deep = queue.popleft()
        if (environment, parent, deep) in seen:
            continue
        seen.add((environment, parent, deep))
        if parent.count("/") > bounds.depth:
            too_deep, complete = f"folders more than {bounds.depth} levels deep were not read", False
            continue
        entry = store.get(environment, parent)
        if entry is None or now - entry[1] > ttl:
            blocked = limited_until is not None or error is not None or stopped is not None
            if not blocked and sent >= bounds.requests:
                stopped, blocked = f"the walk stopped after {sent} folder reads", True
            if not blocked and time.monotonic() - started > bounds.seconds:
                stopped, blocked = f"the walk stopped after {bounds.seconds:g} s", True
            budget = _tighter(store.budget(FOLDERS_ROUTE), client.remaining(FOLDERS_ROUTE))
            if not blocked and budget is not None and budget[0] <= RESERVE:
                limited_until = budget[1]
                blocked = True
            if not blocked:
                sent += 1
                try:
                    store.put(environment, parent, client.list_folders(project_id, environment, parent))
                    entry = store.get(environment, parent)
                except RateLimited as err:
                    limited_until = now + (err.retry_after or 60.0)
                except NotFound:
                    store.put(environment, parent, [])  # an unknown environment: nothing below it
                    entry = store.get(environment, parent)
                except (APIError, TransportError) as err:
                    error = str(err)
            if entry is None or now - entry[1] > ttl:
                complete = False
        if entry is None:
            continue
        oldest = entry[1] if oldest is None else min(oldest, entry[1])
        if deep:
            queue.extend((environment, f"{parent.rstrip('/')}/{name}", True) for name in entry[0])
    store.save()
    learnt = client.remaining(FOLDERS_ROUTE)
    if sent and learnt is not None:
        store.share_budget(FOLDERS_ROUTE, *learnt)
    return ReadResult(complete, oldest, limited_until, error, stopped or too_deep)


def _whole_tree(
    client: InfisicalClient, project_id: str, store: FolderStore, wanted: list[Need], ttl: float, now: float
) -> bool:
    """One call where the server has the tree route, unless the cache can answer (then the walk reads it)."""
    if client.has_tree_route is False:
        return False
    if all((e := store.get(n.environment, n.root)) is not None and now - e[1] <= ttl for n in wanted):
        return client.has_tree_route is True  # a whole tree was cached at once: fresh roots mean a fresh tree
    tree = client.whole_folder_tree(project_id)
    if tree is None:
        return False
    store.put_tree(tree)
    return True


def as_tree(store: FolderStore, environments: Iterable[str]) -> dict[str, list[str]]:
    return {environment: store.paths(environment) for environment in environments}


def full_tree(client: InfisicalClient, project_id: str, environments: list[str] | None = None) -> dict[str, list[str]]:
    """Every folder of every environment: one call on newer servers, a full walk on older ones (which a rate limit
    may cut short: callers that can say so use :func:`read` with their needs instead)."""
    tree = client.whole_folder_tree(project_id)
    if tree is not None:
        return tree
    slugs = environments if environments is not None else [e.slug for e in client.get_project(project_id).environments]
    store = FolderStore(client.api_url, project_id, None)
    result = read(client, project_id, [Need(slug, "/") for slug in slugs], store)
    if result.rate_limited_until is not None:
        raise RateLimited(
            method="GET",
            url=client.api_url + FOLDERS_ROUTE,
            status=429,
            message="the folder walk ran out of the server's read budget",
            retry_after=max(1.0, result.rate_limited_until - time.time()),
        )
    return {slug: store.paths(slug) for slug in slugs}
