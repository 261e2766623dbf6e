"""``infisical-tokens check``: the language server's diagnostics for a whole tree, for CI and pre-commit.

Reads the files :mod:`discover` finds (skipping what ``.gitignore`` ignores): ``.infisical.json`` files and
``infisical service-token`` command lines, and reports every finding in a :class:`check_report.CheckReport`
(:mod:`check_output` writes it as text, JSON or GitHub annotations). Offline by default; ``--online`` adds the catalog
checks (unknown environments, scopes that cover no folder, and an error for a project the server does not know).
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .check_output import display
from .check_report import CheckOptions, CheckReport, Report
from .discover import GitSearch, candidate_files, in_path_order
from .git_start import drop_early

if TYPE_CHECKING:
    from .context import Context
    from .file_check import ContextFor
    from .filetypes import Kind

MANY_FILES = 1000  # a tree whose reading a person at a terminal is told about
PROGRESS_SECONDS = 1.0  # and then how far it got, this often


def progress(waiting: Callable[[str], None] | None, total: int) -> Callable[[Callable[[], str]], None]:
    """For a person at a terminal (``waiting`` is the CLI's, None elsewhere): a large tree says how many files it
    reads, then how far it got (the text asked of the caller) every second, so a long ``check`` is not silence."""
    if waiting is None or total < MANY_FILES:
        return lambda where: None
    say = waiting
    say(f"Checking {total} files…")
    next_at = time.monotonic() + PROGRESS_SECONDS

    def tell(where: Callable[[], str]) -> None:
        nonlocal next_at
        if time.monotonic() >= next_at:
            say(where())
            next_at = time.monotonic() + PROGRESS_SECONDS

    return tell


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """Python's cycle collector paused while a tree is checked (and back as it was after). Reading files makes no
    cycles (after a whole check of 200,000 files a collection finds nothing to free), yet the collector kept
    scanning every object the check holds: 5 ms of a 20,000-file check, 50 ms of a 200,000-file one."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run(options: CheckOptions, ctx: Context) -> CheckReport:
    """Check every candidate file under ``options.paths``; online, against each file's project.

    git is asked first (it lists and searches each folder in its own processes), and only then is the analysis
    engine imported and the catalog opened: on a large tree that work is done while git reads the files."""
    keys = [_key(path) for path in options.paths]
    searches = {key: GitSearch.start(path) for key, path in _folders(options.paths, keys).items()}
    drop_early()
    try:
        with paused_collection():
            return _check(options, ctx, keys, searches)
    finally:
        for search in searches.values():
            if search is not None:
                search.stop()


def _key(path: Path) -> str | None:
    """What a path names (two spellings of one folder are one), or None when it cannot be looked up."""
    try:
        return str(path.resolve())
    except OSError:
        return None


def _folders(paths: list[Path], keys: list[str | None]) -> dict[str, Path]:
    """The folders among ``paths`` (whose ``keys`` those are), each once."""
    folders: dict[str, Path] = {}
    for path, key in zip(paths, keys, strict=True):
        try:
            if key is not None and key not in folders and path.is_dir():
                folders[key] = path
        except OSError:  # a name too long to look up: said as a path that does not exist
            continue
    return folders


def _check(
    options: CheckOptions, ctx: Context, keys: list[str | None], searches: dict[str, GitSearch | None]
) -> CheckReport:
    from .file_check import ContextFor, check_file

    catalog = None
    if options.online:
        from .connection import connect, open_catalog

        catalog = open_catalog(connect(ctx, None, options.domain), ctx)
    context_for = ContextFor(catalog, options.project_id or ctx.project_id, ctx.env)
    reports: list[Report] = []
    files = 0
    missing = [path for path in options.paths if not os.path.lexists(path)]
    skipped = [(path, "no such file or folder") for path in missing]
    walked: list[Path] = []
    unreadable: dict[Path, str] = {}

    def read(path: Path, kind: Kind, into: list[Report], not_read: list[tuple[Path, str]]) -> bool:
        try:
            into += check_file(path, kind, context_for)
        except OSError as err:
            not_read.append((path, err.strerror or str(err)))
            return False
        return True

    seen: set[str] = set()  # the files read, each once however many paths name it
    handled: set[str | None] = set()
    try:
        for path, key in zip(options.paths, keys, strict=True):
            if key in handled and key is not None:  # the same path again
                continue
            handled.add(key)
            search = searches.get(key) if key is not None else None
            found = search.found() if search is not None else None
            if found is None:
                walked.append(path)
                continue
            said: list[Report] = []
            not_read: list[tuple[Path, str]] = []
            tell = progress(ctx.waiting, found.count)
            read_here: list[str] = []
            for file, kind in found.files():
                tell(lambda: f"Checking {display(file, ctx.cwd)}…")  # noqa: B023 (called at once, if at all)
                if str(file) not in seen:
                    read_here.append(str(file))
                    seen.add(str(file))
                    read(file, kind, said, not_read)
            if not found.complete:  # git stopped answering: read the folder the slow way instead
                seen.difference_update(read_here)
                walked.append(path)
                continue
            reports += said if found.in_order else sorted(said, key=lambda report: in_path_order(report.path))
            skipped += not_read
            files += found.count - len(not_read)  # the files git saw nothing in are checked without reading
        candidates = list(candidate_files(walked, unreadable, seen))
        tell = progress(ctx.waiting, len(candidates))
        for done, (path, kind) in enumerate(candidates):
            tell(lambda: f"Checked {done} of {len(candidates)} files…")  # noqa: B023 (called at once, if at all)
            files += read(path, kind, reports, skipped)
    finally:
        if catalog is not None:
            catalog.close()
    reports += unknown_project_reports(context_for)
    for project_id, reason in context_for.failed.items():
        if project_id not in context_for.unknown:  # unreachable: a warning; an unknown project fails (above)
            ctx.warn(f"project {project_id} checked offline: {reason}")
    for project_id, note in context_for.notes.items():
        ctx.warn(f"project {project_id}: folders {note}; scopes were not checked against folders not read")
    for path, reason in unreadable.items():
        ctx.warn(f"{display(path, ctx.cwd)} was not read ({reason}): its ignore rules were not applied")
    for path, reason in skipped:
        ctx.warn(f"{display(path, ctx.cwd)} was not checked: {reason}")
    return CheckReport(reports, files, dict(context_for.failed), options, ctx.cwd, skipped, missing)


def unknown_project_reports(context_for: ContextFor) -> list[Report]:
    """An error for each project the server said does not exist (or is not yours), on the first file checked
    against it: in CI a mistyped ID must fail, not turn quietly into an offline check."""
    from . import editor

    said = "The server does not know project {}, so it was checked offline: {}"
    return [
        Report(path, 1, 1, 1, 1, editor.Finding("error", "project-unknown", said.format(project_id, why), 0, 0))
        for project_id, (path, why) in context_for.unknown.items()
    ]
