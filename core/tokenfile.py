"""The file a created token may be written into, for an editor that cannot take the token itself.

Only a regular file that git ignores and does not track (outside a repository: one that ``.gitignore`` covers),
checked before anything is created. Every read and write opens without blocking and refuses anything but a
regular file, so a FIFO named ``.env`` can never hold up the language server.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

from .ignore import GitIgnore, find_root, git_outputs, read_regular

MAX_BYTES = 1_000_000  # a dotenv file; anything larger is not one
VARIABLE = "INFISICAL_TOKEN"


def refusal(target: Path, base: Path) -> str | None:
    """Why ``target`` (resolved) must not receive a token; None when it may."""
    return _git_refusal(target, base) or _file_refusal(target)


def _git_refusal(target: Path, base: Path) -> str | None:
    """Git decides where it can: a file it tracks is never written, even when .gitignore lists it now."""
    base = base.resolve()  # as ``target`` is: git compares the two paths
    if git_outputs(base, ["rev-parse", "--is-inside-work-tree"]) is None:  # not a repository (or no git)
        if (find_root(base) / ".git").exists() and shutil.which("git") is None:
            return f"git is not installed to say whether {target} is tracked"
        rules = GitIgnore(find_root(base))
        if rules.ignored(target, is_dir=False):
            return None
        unread = "".join(f" ({path.name} was not read: {why})" for path, why in list(rules.unreadable.items())[:1])
        return _not_ignored(target) + unread
    answers = git_outputs(base, ["ls-files", "-z", "--", str(target)], ["check-ignore", "--", str(target)])
    if answers is None:
        return f"git cannot say whether {target} is tracked (is it outside the repository?)"
    tracked, ignored = answers
    if tracked:
        untrack = f"`git rm --cached {target.name}`"
        return f"git tracks {target.name} (listing it in .gitignore does not untrack it: {untrack})"
    return None if ignored else _not_ignored(target)


def _not_ignored(target: Path) -> str:
    return f"'{target.name}' is not covered by .gitignore"


def _file_refusal(target: Path) -> str | None:
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None if os.access(target.parent, os.W_OK) else f"{target.parent} is not writable"
    except OSError as err:
        return f"{target} cannot be examined ({err.strerror})"
    if stat.S_ISDIR(info.st_mode):
        return f"{target} is a folder"
    if not stat.S_ISREG(info.st_mode):
        return f"{target} is not a regular file"
    try:
        read(target)
    except (OSError, UnicodeDecodeError) as err:
        return f"{target} cannot be read as text ({getattr(err, 'strerror', None) or type(err).__name__})"
    return None


def _regular(fd: int, path: Path) -> None:
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        raise OSError(errno.EINVAL, "not a regular file", str(path))


def read(path: Path) -> str:
    """The file's text, or OSError when it is not a regular file of at most ``MAX_BYTES`` (never blocks)."""
    return read_regular(path, MAX_BYTES).decode("utf-8")


def write(path: Path, token: str) -> None:
    """Put ``INFISICAL_TOKEN=...`` into the file (created 0600), replacing an earlier one; never blocks."""
    lines = read(path).splitlines() if os.path.lexists(path) else []
    lines = [line for line in lines if not line.startswith(f"{VARIABLE}=")]
    lines.append(f"{VARIABLE}={token}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | os.O_NOCTTY, 0o600)
    try:
        _regular(fd, path)
        os.ftruncate(fd, 0)
        data = ("\n".join(lines) + "\n").encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)
