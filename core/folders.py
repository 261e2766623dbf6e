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
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import APIError, NotFound, RateLimited, TransportError
from .scope import GLOB_CHARS

if TYPE_CHECKING:
    from .api import InfisicalClient

FRESH_SECONDS = 300.0
RESERVE = 2  # requests of the server's budget a walk leaves for the person's own next action


@dataclass(frozen=True)
class Need:
    """List ``root`` in ``environment``; with ``deep``, every folder below it too."""

    environment: str
    root: str
    deep: bool = True


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


@lru_cache(maxsize=8192)  # an audit asks it for every scope of 10,000 tokens, which repeat
def fixed_prefix(path: str) -> tuple[str, bool]:
    """The folder a glob path cannot leave (its leading segments without glob characters), and whether that
    is the whole path (an exact folder)."""
    segments = [s for s in path.split("/") if s]
    fixed: list[str] = []
    for segment in segments:
        if any(c in GLOB_CHARS for c in segment):
            break
        fixed.append(segment)
    return "/" + "/".join(fixed), len(fixed) == len(segments)


def needs_for_scope(environment: str, path: str) -> list[Need]:
    """What a scope's coverage depends on: the folders under its fixed prefix (and that prefix's own parent)."""
    if not path.startswith("/"):
        return []
    prefix, exact = fixed_prefix(path)
    found = [Need(environment, parent_of(prefix), deep=False)] if prefix != "/" else []
    if not exact or prefix == "/":
        found.append(Need(environment, prefix, deep=not exact))
    return found


def cache_dir(env: Mapping[str, str], home: Path) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "infisical-tokens" / "folders"


class FolderStore:
    """The listings known for one project of one instance, read from and saved to a per-user cache file."""

    def __init__(
        self, api_url: str, project_id: str, folder: Path | None, clock: Callable[[], float] = time.time
    ) -> None:
        key = hashlib.sha256(f"{api_url}\n{project_id}".encode()).hexdigest()[:32]
        self.file = folder / f"{key}.json" if folder is not None else None
        self.clock = clock
        self._listings: dict[str, dict[str, tuple[list[str], float]]] = {}
        self._whole: dict[str, float] = {}  # environments read whole (one call): a path not listed has no folders
        self._load()

    def _load(self) -> None:
        if self.file is None:
            return
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # no cache, or a broken one: start afresh
        if not isinstance(raw, dict) or not isinstance(raw.get("listings"), dict):
            return
        whole = raw.get("whole")
        if isinstance(whole, dict):
            self._whole = {str(k): float(v) for k, v in whole.items() if isinstance(v, (int, float))}
        for env, listings in raw["listings"].items():
            if not isinstance(listings, dict):
                continue
            for parent, entry in listings.items():
                if isinstance(entry, dict) and isinstance(entry.get("children"), list):
                    children = [str(c) for c in entry["children"] if isinstance(c, str) and c and "/" not in c]
                    at = entry.get("at")
                    if isinstance(at, (int, float)):
                        self._listings.setdefault(str(env), {})[str(parent)] = (children, float(at))

    def save(self) -> None:
        if self.file is None:
            return
        listings = {
            env: {parent: {"children": children, "at": at} for parent, (children, at) in known.items()}
            for env, known in self._listings.items()
        }
        data = {"listings": listings, "whole": self._whole}
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data), encoding="utf-8")
            temporary.replace(self.file)

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


@dataclass(frozen=True)
class ReadResult:
    complete: bool  # every need answered from fresh listings
    oldest: float | None  # the oldest listing used (for "coverage from <time>")
    rate_limited_until: float | None = None  # when the server's budget comes back, if it ran out
    error: str | None = None  # why some listings are missing or old

    def note(self) -> str | None:
        """A sentence for people when the answer is partial or old."""
        if self.complete:
            return None
        since = time.strftime("%H:%M", time.localtime(self.oldest)) if self.oldest else None
        if self.rate_limited_until is not None:
            return "rate-limited by the server; " + (f"coverage from {since}" if since else "coverage incomplete")
        return f"{self.error or 'could not read every folder'}" + (f"; coverage from {since}" if since else "")


def read(
    client: InfisicalClient,
    project_id: str,
    needs: Iterable[Need],
    store: FolderStore,
    *,
    ttl: float = FRESH_SECONDS,
    max_requests: int | None = None,
) -> ReadResult:
    """Answer ``needs`` from fresh listings, the server, or (failing that) older listings; save what was learnt."""
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
    complete, sent = True, 0
    queue = deque((n.environment, n.root, n.deep) for n in wanted)
    seen: set[tuple[str, str]] = set()
    while queue:
        environment, parent, deep = queue.popleft()
        if (environment, parent) in seen:
            continue
        seen.add((environment, parent))
        entry = store.get(environment, parent)
        if entry is None or now - entry[1] > ttl:
            blocked = limited_until is not None or error is not None
            if not blocked and (max_requests is not None and sent >= max_requests):
                blocked = True
            if not blocked and client.remaining("/v1/folders") is not None:
                remaining, reset_at = client.remaining("/v1/folders") or (0, now)
                if remaining <= RESERVE:
                    limited_until = reset_at
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
    return ReadResult(complete, oldest, limited_until, error)


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
