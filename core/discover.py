"""Which files ``check`` reads: git's own list when the tree is a repository (tracked and untracked, minus what
``.gitignore`` covers, narrowed by ``git grep``), else a walk that applies ``.gitignore`` as git reads it."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .filetypes import Kind
from .ignore import GitIgnore, find_root
from .ignore import git_outputs as _git
from .snippets import kind_for


@dataclass
class Candidates:
    """The files ``check`` looks at: ``count`` with a kind of their own, of which ``to_read`` may hold a finding
    (a project file, or text that mentions ``infisical``); the rest are counted as checked without reading."""

    count: int = 0
    to_read: list[tuple[Path, Kind]] = field(default_factory=list)


def git_candidates(folder: Path) -> Candidates | None:
    """Candidates from git itself, which knows the tree's ignore rules and searches file contents far faster
    than reading every file here: tracked and untracked files, minus what .gitignore covers."""
    root = find_root(folder)
    if not (root / ".git").exists() or shutil.which("git") is None:
        return None
    try:
        scope = folder.resolve().relative_to(root).as_posix() or "."
    except ValueError:
        return None
    answers = _git(
        root,
        ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", scope],
        ["grep", "-z", "-l", "-I", "-F", "--untracked", "-e", "infisical", "--", scope],
    )
    if answers is None:
        return None
    listed, mentions = answers
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
