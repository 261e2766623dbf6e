"""Which files ``check`` reads: git's own list when the tree is a repository (tracked and untracked, minus what
``.gitignore`` covers, narrowed by ``git grep``), else a walk that applies ``.gitignore`` as git reads it."""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import git_start
from .ignore import GitIgnore, Running, find_root, git_answers, git_bytes, git_entries, stop_git

if TYPE_CHECKING:  # what reads the answers is imported once git is under way (git_start is all the CLI needs)
    from .filetypes import Kind
    from .spawn import Child


class GitSearch:
    """git itself listing and searching one folder (it knows the tree's ignore rules and reads file contents far
    faster than Python): tracked and untracked files, minus what .gitignore covers.

    Started before anything else, so that git works while ``check`` loads its engine; :meth:`found` waits for the
    lists, and the files that mention ``infisical`` arrive as git writes them out, while it searches for more."""

    def __init__(self, root: Path, running: Running) -> None:
        self.root = root
        self._running = running
        self._read = False

    @classmethod
    def start(cls, folder: Path) -> GitSearch | None:
        """The search of ``folder`` (started early by :func:`git_start.start_early`, or now); None where git cannot
        help: no repository here, git not installed."""
        launched = git_start.take(os.fspath(folder)) or git_start.launch(os.fspath(folder))
        return None if launched is None else cls(Path(launched[0]), launched[1])

    def found(self) -> Found | None:
        """What git lists (asked once), or None where it could not answer: the caller walks the folder instead.
        Waits for the tracked files' list only: the untracked ones (git walks the tree for them) come after."""
        if self._read:
            return None
        self._read = True
        from .snippets import listing_kinds

        grep, cached, others = self._running
        answers = git_bytes([cached])
        if answers is None:
            self.stop()
            return None
        count, projects = listing_kinds(answers[0])
        return Found(self.root, count, projects, others, grep)

    def stop(self) -> None:
        """Let go of a search whose answers are not wanted (an error came first, or they were all read)."""
        stop_git(self._running)


def _order(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")  # git sorts paths by their bytes


class Found:
    """One folder as git answered: ``count`` files with a kind, of which :meth:`files` are those that may hold a
    finding (a project file, a tracked one git found ``infisical`` in, an untracked one); the rest are counted as
    checked without reading."""

    def __init__(self, root: Path, count: int, projects: list[str], others: Child, grep: Child) -> None:
        self.root, self.count = root, count  # the tracked files' count, until the untracked ones are listed
        self._projects, self._others, self._grep = projects, others, grep
        self._listed_others = False
        self.in_order = True  # the files came in path order (git's): none untracked came after the tracked ones

    def files(self) -> Iterator[tuple[Path, Kind]]:
        """The files to read: the tracked ones as git finds them (in path order), then the untracked ones, which
        git lists by walking the tree while it searches."""
        from .snippets import kind_for

        previous = None
        for name in heapq.merge(git_entries(self._grep), self._projects, key=_order):
            if name == previous:  # a project file git found ``infisical`` in
                continue
            previous = name
            kind = kind_for(name)
            if kind is not None:
                yield self.root / name, kind
        listed = git_answers([self._others])
        if listed is None:
            return
        self._listed_others = True
        for name in listed[0]:
            kind = kind_for(name)
            if kind is not None:
                self.count += 1
                if not os.path.islink(self.root / name):  # git grep reads a tracked link's text, not its target
                    self.in_order = False
                    yield self.root / name, kind

    @property
    def complete(self) -> bool:
        """After :meth:`files`: whether git listed and searched the whole folder (else its answers cannot be
        trusted)."""
        return self._listed_others and self._grep.returncode in (0, 1)  # 1: nothing matched


def in_path_order(path: Path) -> bytes:
    """A key that sorts a folder's files as git does (by their bytes, ``/`` between folders)."""
    return _order(path.as_posix())


def candidate_files(
    paths: Sequence[Path], unreadable: dict[Path, str] | None = None, seen: set[str] | None = None
) -> Iterator[tuple[Path, Kind]]:
    """Files to check, each once (``seen``: the files already read): explicit files as given, folders walked with
    .gitignore applied (an ignore file that cannot be read, a FIFO say, is noted in ``unreadable`` and its rules are
    not applied)."""
    from .snippets import kind_for

    seen = set() if seen is None else seen
    for path in paths:
        try:
            if path.is_file():
                files: Iterable[Path] = [path.resolve()]
            elif path.is_dir():
                files = GitIgnore(find_root(path), unreadable).walk(path)
            else:
                continue
        except OSError:  # a name too long to look up: said as a path that does not exist
            continue
        for file in files:
            name = str(file)
            kind = kind_for(name)
            if kind is not None and name not in seen:
                seen.add(name)
                yield file, kind
