"""``check``'s findings as text (``path:line:col: severity code message``), JSON, or GitHub annotations."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .models import printable
from .resolved import ResolvedFolders

if TYPE_CHECKING:
    from .check_report import Report


def format_text(reports: Sequence[Report], base: Path) -> str:
    shown = _Shown(base)
    lines = []
    for r in reports:
        f = r.finding
        lines.append(f"{printable(shown(r.path))}:{r.line}:{r.column}: {f.severity} {f.code} {f.text}")
    return "".join(line + "\n" for line in lines)


def format_json(reports: Sequence[Report], base: Path) -> str:
    return json.dumps(json_data(reports, base), indent=2) + "\n"


def json_data(reports: Sequence[Report], base: Path) -> list[dict[str, Any]]:
    shown = _Shown(base)
    return [
        {
            "path": shown(r.path),
            "line": r.line,
            "column": r.column,
            "endLine": r.end_line,
            "endColumn": r.end_column,
            "severity": r.finding.severity,
            "code": r.finding.code,
            "message": r.finding.message,
            "hint": r.finding.hint,
        }
        for r in reports
    ]


def _escape_github(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def format_github(reports: Sequence[Report], base: Path) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    shown = _Shown(base)
    lines = []
    for r in reports:
        props = ",".join(
            [
                f"file={_escape_github(printable(shown(r.path)), True)}",
                f"line={r.line}",
                f"col={r.column}",
                f"endLine={r.end_line}",
                f"endColumn={r.end_column}",
                f"title={_escape_github('infisical ' + r.finding.code, True)}",
            ]
        )
        lines.append(f"::{level[r.finding.severity]} {props}::{_escape_github(r.finding.text)}")
    return "".join(line + "\n" for line in lines)


class _Shown:
    """Paths as ``path.resolve()`` relative to ``base`` (else as given), for one report: the base and each folder
    are resolved once, a file itself only when it is a link (a tree's findings share few folders, and resolving
    every finding's whole path again costs a system call per component). A folder inside ``base`` keeps the text
    its files' names follow, so such a file costs one ``lstat`` and a string join."""

    def __init__(self, base: Path) -> None:
        self.base = base.resolve()
        self.resolve = ResolvedFolders()
        # a file's folder as text -> (its resolved path, that relative to base and ending in "/", None outside base)
        self.folders: dict[str, tuple[Path, str | None]] = {}

    def __call__(self, path: Path) -> str:
        name, text = path.name, os.fspath(path)
        if name in ("", "..") or os.path.islink(text):  # one lstat; a path it cannot look at is shown by its folder
            return self._relative(path.resolve(), path)
        key = os.path.dirname(text)
        try:
            folder, prefix = self.folders[key]
        except KeyError:
            folder = Path(self.resolve(path.parent))
            prefix = self._prefix(folder)
            self.folders[key] = folder, prefix
        if prefix is None:  # outside base: shown as given, unless the path is base itself
            return self._relative(folder / name, path)
        return prefix + name

    def _prefix(self, folder: Path) -> str | None:
        try:
            inside = folder.relative_to(self.base).as_posix()
        except ValueError:
            return None
        return "" if inside == "." else inside + "/"

    def _relative(self, resolved: Path, path: Path) -> str:
        try:
            return resolved.relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()


def display(path: Path, base: Path) -> str:
    """A path for a terminal or a CI log: a file name cannot carry an escape sequence there (JSON escapes its own)."""
    return printable(_Shown(base)(path))


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
