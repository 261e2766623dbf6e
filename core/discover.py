"""Which files ``check`` reads: git's own list when the tree is a repository (tracked and untracked, minus what
``.gitignore`` covers, narrowed by ``git grep``), else a walk that applies ``.gitignore`` as git reads it."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .filetypes import Kind
from .ignore import GitIgnore, Running, find_root, git_answers, start_git, stop_git
from .snippets import kind_for


@dataclass
class Candidates:
    """The files ``check`` looks at: ``count`` with a kind of their own, of which ``to_read`` may hold a finding
    (a project file, or text that mentions ``infisical``); the rest are counted as checked without reading."""

    count: int = 0
    to_read: list[tuple[Path, Kind]] = field(default_factory=list)


class GitSearch:
    """git itself listing and searching one folder (it knows the tree's ignore rules and reads file contents far
    faster than Python): tracked and untracked files, minus what .gitignore covers.

    Started before anything else, so that git works while ``check`` loads its engine; :meth:`candidates` waits for
    the answers."""

    def __init__(self, root: Path, running: Running) -> None:
        self.root = root
        self._running: Running | None = running
        self._found: Candidates | None = None

    @classmethod
    def start(cls, folder: Path) -> GitSearch | None:
        """None where git cannot help: no repository here, git not installed, a folder outside its repository."""
        root = find_root(folder)
        if not (root / ".git").exists() or shutil.which("git") is None:
            return None
        try:
            scope = folder.resolve().relative_to(root).as_posix() or "."
        except ValueError:
            return None
        running = start_git(
            root,
            ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", scope],
            ["grep", "-z", "-l", "-I", "-F", "--untracked", "-e", "infisical", "--", scope],
        )
        return None if running is None else cls(root, running)

    def candidates(self) -> Candidates | None:
        """What git found (asked once), or None where it could not answer: the caller walks the folder instead."""
        if self._running is not None:
            answers, self._running = git_answers(self._running), None
            if answers is not None:
                self._found = _candidates(self.root, *answers)
        return self._found

    def stop(self) -> None:
        """Let go of a search whose answers are not wanted (an error came first)."""
        if self._running is not None:
            stop_git(self._running)
            self._running = None


def _candidates(root: Path, listed: list[str], mentions: list[str]) -> Candidates:
    wanted = set(mentions)
    found = Candidates()
    for name in dict.fromkeys(listed):
        kind = kind_for(name)
        if kind is None:
            continue
        found.count += 1
        if kind == "project-json" or name in wanted:
            found.to_read.append((root / name, kind))
    return found


def candidate_files(paths: Sequence[Path], unreadable: dict[Path, str] | None = None) -> Iterator[tuple[Path, Kind]]:
    """Files to check: explicit files as given, folders walked with .gitignore applied (an ignore file that cannot
    be read, a FIFO say, is noted in ``unreadable`` and its rules are not applied)."""
    seen: set[str] = set()
    for path in paths:
        if path.is_file():
            files: Iterable[Path] = [path.resolve()]
        elif path.is_dir():
            files = GitIgnore(find_root(path), unreadable).walk(path)
        else:
            continue
        for file in files:
            name = str(file)
            kind = kind_for(name)
            if kind is not None and name not in seen:
                seen.add(name)
                yield file, kind
