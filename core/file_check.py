"""Reading and diagnosing one file for ``check``: the analysis engine, imported by :func:`check.run` only once
git is already listing and searching the tree (see :mod:`discover`)."""

from __future__ import annotations

import bisect
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from . import editor, project_config
from .check_report import Report
from .editor.document import DocumentContext, document_context
from .errors import APIError, is_unknown_project
from .filetypes import Kind
from .needs import Need
from .project import ProjectFiles
from .snapshot import Snapshot, offline_snapshot
from .snippets import CommandSite, find_commands

if TYPE_CHECKING:
    from .catalog import Catalog

MAX_BYTES = 5 * 1024 * 1024


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


def read_checked(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES; OSError (with the reason) for anything else.

    A FIFO, a device (a link to /dev/zero) or a huge file would block or fill memory: they are skipped, and said.
    """
    name = os.fspath(path)  # os calls on the name: a file object and a Path's methods cost more than the read
    info = os.stat(name)
    if not stat.S_ISREG(info.st_mode):
        raise OSError("not a regular file")
    if info.st_size > MAX_BYTES:
        raise OSError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    handle = os.open(name, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        data = os.read(handle, info.st_size + 1)  # not MAX_BYTES + 1: that allocates 5 MB for every file
        while len(data) <= MAX_BYTES and (more := os.read(handle, MAX_BYTES + 1 - len(data))):
            data += more  # it grew since it was measured
    finally:
        os.close(handle)
    if len(data) > MAX_BYTES:
        raise OSError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def not_utf8(data: bytes) -> editor.Finding | None:
    """A project file the Infisical CLI (and the command line here) refuses to read: its bytes are not UTF-8.
    Positioned on the first bad byte of the text as shown with replacement characters."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        at = len(data[: err.start].decode("utf-8", errors="replace"))
        message = f"The file is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})."
        return editor.Finding("error", "json-invalid", message, at, at + 1, "The Infisical CLI cannot read it.")
    return None


def check_file(path: Path, kind: Kind, context_for: ContextFor) -> list[Report]:
    data = read_checked(path)
    if kind != "project-json" and b"infisical" not in data:  # as in the text: no multi-byte character holds ASCII
        return []
    text = data.decode("utf-8", errors="replace")
    sites = find_commands(text, kind) if kind != "project-json" else None  # read once: the context and diagnose
    found = editor.diagnose(text, kind, context_for(path, text, kind, sites), sites)
    encoding = not_utf8(data) if kind == "project-json" else None
    found = [encoding, *found] if encoding is not None else found
    if not found:
        return []
    starts = list(accumulate(map((1).__add__, map(len, text.split("\n")[:-1])), initial=0))  # each line's start
    reports = []
    for finding in found:
        line, column = _position(starts, finding.start)
        end_line, end_column = _position(starts, finding.end)
        reports.append(Report(path, line, column, end_line, end_column, finding))
    return reports


class ContextFor:
    """The document context of each checked file; online, each project's catalog is waited for once."""

    def __init__(
        self, catalog: Catalog | None, project_override: str | None, env: Mapping[str, str], timeout: float = 30.0
    ) -> None:
        self.catalog = catalog
        self.project_override = project_override
        self.env = env
        self.timeout = timeout
        self.failed: dict[str, str] = {}
        self.notes: dict[str, str] = {}  # project ID -> why its folders are partial or old
        self.sources: dict[str, str] = {}  # project ID -> where it came from (named when the server lacks it)
        self.unknown: dict[str, tuple[Path, str]] = {}  # project ID -> (the file that asked, the server's word)
        self.current: Path | None = None  # the file being checked
        self.files = ProjectFiles().remember_lookups()
        self.offline: dict[tuple[str | None, tuple[str, ...], str], Snapshot] = {}
        self.offline_context = DocumentContext()

    def _snapshot(self, project_id: str | None, slugs: Iterable[str], needs: Iterable[Need]) -> Snapshot:
        if self.catalog is None or project_id is None:
            return self._offline(project_id, tuple(slugs), "offline")
        if project_id not in self.failed:
            try:
                snapshot = self.catalog.wait(project_id, self.timeout, needs)
                if snapshot.note:
                    self.notes[project_id] = snapshot.note
                return snapshot
            except Exception as err:
                if isinstance(err, APIError) and project_id in self.sources:
                    err.came_from(self.sources[project_id])
                if isinstance(err, APIError) and is_unknown_project(err) and self.current is not None:
                    self.unknown[project_id] = (self.current, str(err))
                self.failed[project_id] = str(err)
        return self._offline(project_id, tuple(slugs), self.failed[project_id])

    def _offline(self, project_id: str | None, slugs: tuple[str, ...], reason: str) -> Snapshot:
        """One offline snapshot for every file that names the same slugs: a tree's files name the same few."""
        key = (project_id, slugs, reason)
        found = self.offline.get(key)
        if found is None:
            found = self.offline[key] = offline_snapshot(project_id, slugs, reason)
        return found

    def __call__(
        self, path: Path, text: str, kind: Kind, sites: Sequence[CommandSite] | None = None
    ) -> DocumentContext:
        if self.catalog is None and kind != "project-json":
            return self.offline_context  # offline, a command line's findings are its syntax alone: no project is read
        self.current = path
        config = self.files.read(path) if kind == "project-json" else self.files.for_file(path)
        project_id = project_config.project_id(self.project_override, self.env, config)
        if project_id is not None and project_id not in self.sources:  # the first file to name it says where from
            self.sources[project_id] = project_config.source(self.project_override, None, self.env, config)
        return document_context(
            text,
            kind,
            config,
            explicit_project=self.project_override,
            env=self.env,
            snapshots=self._snapshot,
            sites=sites,
        )
