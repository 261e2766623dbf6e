"""What ``.gitignore`` covers, read the way git reads it (per-directory files, nearest wins).

Used to skip ignored files in ``infisical-tokens check`` and to decide whether a created token may be
written into a file (only a gitignored one). Each line is matched by :mod:`wildmatch` in linear time.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the rules are read only by a walk; check's git search starts without them
    from .spawn import Child
    from .wildmatch import Rule

ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn"})
MAX_IGNORE_BYTES = 10_000_000  # far beyond any real .gitignore


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else OSError saying why. Opened without blocking and
    checked before reading: a FIFO or a device where a file was expected must never hold up a walk or a server."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks, size = [], 0
        while data := os.read(fd, limit + 1 - size):
            chunks.append(data)
            size += len(data)
            if size > limit:
                raise OSError(errno.EFBIG, f"larger than {limit / 1_000_000:g} MB", str(path))
    finally:
        os.close(fd)
    return b"".join(chunks)


class GitIgnore:
    """The ignore rules of a tree rooted at ``root`` (a repository or workspace folder).

    Works on '/'-joined relative path strings internally: a 20,000-file walk spends its time in git's
    rules, not in building ``Path`` objects.
    """

    def __init__(self, root: Path, unreadable: dict[Path, str] | None = None) -> None:
        self.root = root.resolve()
        self._specs: dict[str, list[Rule]] = {}
        # ignore files that exist but could not be used (a FIFO, a folder, unreadable), and why: for the caller to say
        self.unreadable: dict[Path, str] = {} if unreadable is None else unreadable

    def _spec(self, folder: str) -> list[Rule]:
        """The rules of the ``.gitignore`` in ``folder`` (relative to root, "" for the root itself)."""
        if folder not in self._specs:
            base = os.path.join(self.root, folder)
            lines: list[str] = []
            for name in ((".git/info/exclude",) if folder == "" else ()) + (".gitignore",):  # .gitignore wins
                path = os.path.join(base, name)
                try:
                    lines += read_regular(path, MAX_IGNORE_BYTES).decode("utf-8", "surrogateescape").splitlines()
                except (FileNotFoundError, NotADirectoryError):
                    continue
                except OSError as err:
                    self.unreadable[Path(path)] = err.strerror or str(err)
            from .wildmatch import parse

            self._specs[folder] = [rule for rule in map(parse, lines) if rule is not None]
        return self._specs[folder]

    def _rule(self, relative: str, is_dir: bool) -> bool:
        """The verdict of the rules about ``relative`` itself (nearest .gitignore last, so it wins)."""
        parts = relative.split("/")
        verdict = False
        name = parts[-1].encode("utf-8", "surrogateescape")
        for level in range(len(parts)):
            below = "/".join(parts[level:]).encode("utf-8", "surrogateescape")
            for rule in reversed(self._spec("/".join(parts[:level]))):  # the last matching line decides
                if rule.applies(below, name, is_dir):
                    verdict = not rule.negated
                    break
        return verdict

    def ignored(self, path: Path, is_dir: bool | None = None) -> bool:
        """Whether git would ignore ``path`` (which must lie under ``root``)."""
        path = path if path.is_absolute() else self.root / path
        try:
            parts = path.resolve().relative_to(self.root).parts
        except ValueError:
            return False
        if is_dir is None:
            is_dir = path.is_dir()
        if any(p in ALWAYS_SKIPPED for p in parts):
            return True
        ancestors = ("/".join(parts[:depth]) for depth in range(1, len(parts)))
        return any(self._rule(a, True) for a in ancestors) or self._rule("/".join(parts), is_dir)

    def walk(self, start: Path | None = None) -> Iterator[Path]:
        """Every file under ``start`` (default: root) that git would not ignore, pruning ignored folders."""
        top = str((start or self.root).resolve())
        root = str(self.root)
        for folder, dirs, files in os.walk(top):
            relative = os.path.relpath(folder, root).replace(os.sep, "/")
            prefix = "" if relative == "." else relative + "/"
            dirs[:] = sorted(d for d in dirs if d not in ALWAYS_SKIPPED and not self._rule(prefix + d, True))
            for name in sorted(files):
                if not self._rule(prefix + name, False):
                    yield Path(folder, name)


def find_root(start: Path) -> Path:
    """The nearest folder above ``start`` holding ``.git``, else ``start`` itself (both resolved)."""
    from .git_start import repository_root

    return Path(repository_root(os.fspath(start)))


Running = list["Child"]


def start_git(root: Path, *commands: list[str]) -> Running | None:
    """Start git commands side by side in ``root`` (collected by :func:`git_answers`), so that git works while the
    caller does something else; None when git cannot be started."""
    from .git_start import start

    return start(str(root), *commands)


def git_bytes(running: Running) -> list[bytes] | None:
    """The raw outputs of started git commands; None where git could not answer (not a repository, a path outside
    it, an option this git does not know). Exit 1 is an answer: nothing matched."""
    from .spawn import TimedOut

    try:
        outputs = [process.read_all(timeout=300) for process in running]
    except (OSError, TimedOut):
        stop_git(running)
        return None
    if any(process.returncode not in (0, 1) for process in running):  # git grep answers 1 when nothing matches
        return None
    return outputs


def git_answers(running: Running) -> list[list[str]] | None:
    """The NUL-separated outputs of started git commands, as :func:`git_bytes`."""
    outputs = git_bytes(running)
    return None if outputs is None else [_entries(out.decode("utf-8", "surrogateescape")) for out in outputs]


def git_entries(process: Child) -> Iterator[str]:
    """A started git command's ``-z`` entries as git writes them out (in chunks of its output buffer), so the
    caller can work on each while git looks for the next; check ``process.returncode`` once they are all read."""
    rest = b""
    for chunk in process.chunks():
        *entries, rest = (rest + chunk).split(b"\0")
        for entry in entries:
            yield entry.decode("utf-8", "surrogateescape")
    process.wait()


def _entries(text: str) -> list[str]:
    """``-z`` output's entries (each ends in NUL), or a plain answer whole; none for no output."""
    entries = text.split("\0")
    if not entries[-1]:
        entries.pop()
    return entries


def stop_git(running: Running) -> None:
    """End git commands whose answers are no longer wanted (an error stopped the caller first)."""
    for process in running:
        process.stop()


def git_outputs(root: Path, *commands: list[str]) -> list[list[str]] | None:
    """NUL-separated outputs of git commands run side by side in ``root``; None where git cannot answer
    (not installed, not a repository, a path outside it)."""
    running = start_git(root, *commands)
    return None if running is None else git_answers(running)
