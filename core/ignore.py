"""What ``.gitignore`` covers, read with pathspec the way git reads it (per-directory files, nearest wins).

Used to skip ignored files in ``infisical-tokens check`` and to decide whether a created token may be
written into a file (only a gitignored one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pathspec

ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn"})


class GitIgnore:
    """The ignore rules of a tree rooted at ``root`` (a repository or workspace folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}

    def _spec(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            lines: list[str] = []
            for name in (".gitignore",) + ((".git/info/exclude",) if folder == self.root else ()):
                try:
                    lines += (folder / name).read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    continue
            self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[folder]

    def ignored(self, path: Path, is_dir: bool | None = None) -> bool:
        """Whether git would ignore ``path`` (which must lie under ``root``)."""
        path = path if path.is_absolute() else self.root / path
        try:
            relative = path.resolve().relative_to(self.root)
        except ValueError:
            return False
        if is_dir is None:
            is_dir = path.is_dir()
        parts = relative.parts
        if any(p in ALWAYS_SKIPPED for p in parts):
            return True
        ancestors = (self.root.joinpath(*parts[:depth]) for depth in range(1, len(parts)))
        return any(self._rule(a, True) for a in ancestors) or self._rule(self.root.joinpath(*parts), is_dir)

    def walk(self, start: Path | None = None) -> Iterator[Path]:
        """Every file under ``start`` (default: root) that git would not ignore, pruning ignored folders."""
        top = (start or self.root).resolve()
        for folder, dirs, files in os.walk(top):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if d not in ALWAYS_SKIPPED and not self._dir_ignored(here / d))
            for name in sorted(files):
                path = here / name
                if not self._file_ignored(path):
                    yield path

    def _dir_ignored(self, path: Path) -> bool:
        return self._rule(path, True)

    def _file_ignored(self, path: Path) -> bool:
        return self._rule(path, False)

    def _rule(self, path: Path, is_dir: bool) -> bool:
        """The verdict for ``path`` alone (its parents were already let through by ``walk``)."""
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return False
        verdict = False
        for level in range(len(parts)):
            spec = self._spec(self.root.joinpath(*parts[:level]))
            if spec is None:
                continue
            result = spec.check_file("/".join(parts[level:]) + ("/" if is_dir else ""))
            if result.include is not None:
                verdict = result.include
        return verdict


def find_root(start: Path) -> Path:
    """The nearest folder above ``start`` holding ``.git``, else ``start`` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start
