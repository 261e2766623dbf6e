"""``check``'s git searches, started by the command line's first lines.

Imports ``os`` and :mod:`spawn` only, and names folders as text: git starts before Python has imported ``typing``,
``pathlib`` or ``re`` (10-15 ms in which it is already searching). :class:`discover.GitSearch` takes each search
over; :func:`drop_early` ends the ones never taken (the command line calls it on its way out).
"""

from __future__ import annotations

import os

from .spawn import Child

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable

LITERAL = "--literal-pathspecs"  # the folder is a path: never a pattern or magic (``d*``, ``:!x``)
SEARCHES = (  # the search first: it takes longest, and every millisecond it starts sooner counts
    # tracked files only: untracked ones (few, as a rule) are read by check, which costs git far less than
    # --untracked's walk of the tree; --no-color whatever color.ui says
    ["grep", "--no-color", "-z", "-l", "-I", "-F", "-e", "infisical"],
    ["ls-files", "-z", "--cached", "--deduplicate"],  # git 2.31+ (an older one refuses: check then walks)
    ["ls-files", "-z", "--others", "--exclude-standard"],
)

Launched = tuple[str, list[Child]]  # the repository's root, and git's commands under way there
_EARLY: dict[str, Launched] = {}


def repository_root(start: str) -> str:
    """The nearest folder above ``start`` (resolved) holding ``.git``, else ``start`` itself."""
    folder = start = os.path.realpath(start)
    while not os.path.exists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            return start
        folder = parent
    return folder


def start(root: str, *commands: list[str]) -> list[Child] | None:
    """git commands started side by side in ``root``; None (and none left running) when git cannot be started."""
    running: list[Child] = []
    try:
        for args in commands:
            running.append(Child(["git", "-C", root, *args]))
    except OSError:
        for child in running:
            child.stop()
        return None
    return running


def launch(folder: str) -> Launched | None:
    """git listing and searching ``folder``; None where it cannot help: no repository here, git not installed."""
    resolved = os.path.realpath(folder)
    root = repository_root(resolved)
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    scope = os.path.relpath(resolved, root).replace(os.sep, "/")  # "." for the root itself
    running = start(root, *([LITERAL, *search, "--", scope] for search in SEARCHES))
    return None if running is None else (root, running)


def start_early(folders: Iterable[str]) -> None:
    """Start git on the folders ``check`` is about to read, as soon as the command line knows them."""
    for folder in folders:
        try:
            key = os.path.realpath(folder)
            if key in _EARLY or not os.path.isdir(folder) or (launched := launch(folder)) is None:
                continue
        except (OSError, ValueError):  # a deleted working folder, a name too long: the check says so, or walks
            continue
        _EARLY[key] = launched


def take(folder: str) -> Launched | None:
    """The early search of ``folder``, if there is one (it is then the taker's to read and stop)."""
    try:
        return _EARLY.pop(os.path.realpath(folder), None)
    except (OSError, ValueError):
        return None


def drop_early() -> None:
    """End the early searches nobody took (the command line named a folder the check did not read after all)."""
    while _EARLY:
        for child in _EARLY.popitem()[1][1]:
            child.stop()
