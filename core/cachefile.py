"""The per-user cache's files, read and written as a careful program must treat a folder others may have touched.

What is read may have been planted or damaged: it is read only from a regular file of at most ``max_bytes``
(never through a symlink, never blocking on a FIFO) and parsed with a bound on nesting; a caller validates
the shape. What is written is private (the folder 0700, files 0600, existing ones mended) and lands whole: a
temporary file created exclusively in the same folder, then renamed over the old one.

Ownership and modes are POSIX notions: on Windows (``posix=False``) the per-user folder under ``%LOCALAPPDATA%``
is already private to the user, so those checks are skipped there; the exclusive temporary file is kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

FOLDER_MODE = 0o700
FILE_MODE = 0o600
POSIX = os.name == "posix"  # os.geteuid exists only there, os.fchmod on Windows only from Python 3.13


def private_folder(folder: Path, *, create: bool, posix: bool = POSIX) -> bool:
    """Whether ``folder`` is a real folder owned by this user (made 0700 if it was not); with ``create``, made
    first (with its missing parents, each 0700). A folder someone else owns, or a symlink, is never used.
    Without ``posix`` only the folder's being a real folder is checked."""
    if create:
        with contextlib.suppress(OSError):
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    try:
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode):
            return False
        if not posix:
            return True
        if info.st_uid != os.geteuid():
            return False
        if stat.S_IMODE(info.st_mode) != FOLDER_MODE:
            folder.chmod(FOLDER_MODE)
    except OSError:
        return False
    return True


def read_json(path: Path, max_bytes: int, *, posix: bool = POSIX) -> Any:
    """The JSON in ``path``, or None when it is missing, not a regular file of this user, larger than
    ``max_bytes``, or not JSON (too deeply nested included). A readable file is made 0600 on the way (with
    ``posix``; without it, owner and mode are not looked at)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
                return None
            if posix:
                if info.st_uid != os.geteuid():
                    return None
                if stat.S_IMODE(info.st_mode) != FILE_MODE:
                    os.fchmod(handle.fileno(), FILE_MODE)
            data = handle.read(max_bytes + 1)
    except OSError:
        return None
    if len(data) > max_bytes:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


def write_json(path: Path, data: Any, *, posix: bool = POSIX) -> bool:
    """Replace ``path`` with ``data`` as JSON, privately and whole; False when the folder cannot take it."""
    if not private_folder(path.parent, create=True, posix=posix):
        return False
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, allow_nan=False, separators=(",", ":"))
        os.replace(temporary, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True
