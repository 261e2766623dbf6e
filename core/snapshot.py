"""What is known of a project's environments and folders at one moment: a value the editor engine reads.

A :class:`Snapshot` is plain data (made by :mod:`catalog` from the server, or from the workspace offline), and
:func:`per_snapshot` remembers answers derived from one, so the engine never touches the network or the cache.
"""

from __future__ import annotations

import weakref
from _thread import allocate_lock  # threading's Lock, without importing threading (an offline check runs no thread)
from collections.abc import Iterable, Mapping
from typing import Any

from . import coverage
from .models import Environment, Generation, ProjectInfo
from .needs import Need
from .record import field, record


@record
class Snapshot:
    project_id: str | None
    environments: tuple[Environment, ...] = ()
    folders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # env slug -> paths, "/" included
    projects: tuple[ProjectInfo, ...] = ()
    online: bool = False  # environments and folders come from the server (so "unknown" means unknown)
    error: str | None = None  # why the server could not be asked
    fetched_at: float | None = None
    listed: frozenset[tuple[str, str]] | None = None  # (env, parent) listings known; None: every one
    note: str | None = None  # why the folders may be partial or old
    generation: Generation | None = None  # the server's (how it answers reads depends on it); None: unknown

    def knows(self, slug: str, parent: str) -> bool:
        """Whether the children of ``parent`` are known (so "no children" means none exist)."""
        return self.listed is None or (slug, parent) in self.listed

    def knows_all(self, need: Need) -> bool:
        """Whether every listing ``need`` depends on is known (for a deep need: its whole subtree)."""
        if self.listed is None:
            return True
        if not self.knows(need.environment, need.root):
            return False
        if not need.deep:
            return True
        prefix = need.root.rstrip("/") + "/"
        below = (p for p in self.folders.get(need.environment, ()) if p.startswith(prefix))
        return all(self.knows(need.environment, p) for p in below)

    @property
    def slugs(self) -> list[str]:
        return [e.slug for e in self.environments]

    def environment(self, slug: str) -> Environment | None:
        return next((e for e in self.environments if e.slug == slug), None)

    def covered(self, slug: str, glob: str) -> list[str]:
        """The folders of ``slug`` that ``glob`` (a server path) grants access to, remembered per snapshot.

        Only folders under the glob's fixed prefix can match, so a 5,000-folder catalog costs a bisection and
        the few folders there, not 5,000 matches per scope per keystroke."""
        memo = per_snapshot(self)
        key = ("covered", slug, glob)
        found: list[str] | None = memo.get(key)
        if found is None:
            ordered: list[str] | None = memo.get(("sorted", slug))
            if ordered is None:
                ordered = memo[("sorted", slug)] = sorted(self.folders.get(slug, ()))
            found = memo[key] = coverage.covered(ordered, glob)
        return found

    def children(self, slug: str, parent: str) -> list[str]:
        """Names of the folders directly inside ``parent`` in environment ``slug`` (indexed once per snapshot:
        completion in a 5,000-folder project must not scan every folder on each keystroke)."""
        memo = per_snapshot(self)
        index: dict[str, list[str]] | None = memo.get(("children", slug))
        if index is None:
            index = {}
            for path in self.folders.get(slug, ()):
                if path != "/":
                    head, _, name = path.rpartition("/")
                    index.setdefault(head or "/", []).append(name)
            memo[("children", slug)] = index
        return list(index.get("/" if parent in ("", "/") else parent.rstrip("/"), ()))


_MEMOS: dict[int, tuple[weakref.ref[Snapshot], dict[Any, Any]]] = {}
_MEMO_LOCK = allocate_lock()


def per_snapshot(snapshot: Snapshot) -> dict[Any, Any]:
    """A dictionary that lives as long as ``snapshot``: answers derived from one catalog state (coverage of a
    scope, a command's catalog problems) are computed once, not on every keystroke."""
    key = id(snapshot)
    with _MEMO_LOCK:
        entry = _MEMOS.get(key)
        if entry is None or entry[0]() is not snapshot:
            for stale in [k for k, (ref, _) in _MEMOS.items() if ref() is None]:
                del _MEMOS[stale]
            entry = (weakref.ref(snapshot), {})
            _MEMOS[key] = entry
        return entry[1]


def offline_snapshot(
    project_id: str | None, slugs: Iterable[str], error: str | None, projects: tuple[ProjectInfo, ...] = ()
) -> Snapshot:
    """What the workspace itself says (slugs from .infisical.json and commands); nothing is authoritative."""
    unique = list(dict.fromkeys(s for s in slugs if s))
    return Snapshot(project_id, tuple(Environment(s, s) for s in unique), {}, projects, False, error)
