"""``infisical-tokens check``: the language server's diagnostics for a whole tree, for CI and pre-commit.

Walks the given paths (skipping what ``.gitignore`` ignores), finds ``.infisical.json`` files and
``infisical service-token`` command lines, and reports every finding as ``path:line:col: severity code
message``, as JSON, or as GitHub annotations. Offline by default; ``--online`` adds the catalog
checks (unknown environments, scopes that cover no folder, unknown projects).
"""

from __future__ import annotations

import argparse
import bisect
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import analysis
from .catalog import Snapshot, offline_snapshot
from .ignore import GitIgnore, find_root
from .project import find_project_file, parse_project_config_lenient
from .snippets import Kind, kind_for

if TYPE_CHECKING:
    from .catalog import Catalog

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Report:
    path: Path
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    finding: analysis.Finding


def candidate_files(paths: Sequence[Path]) -> Iterator[tuple[Path, Kind]]:
    """Files to check: explicit files as given, folders walked with .gitignore applied."""
    seen: set[str] = set()
    for path in paths:
        if path.is_file():
            files: Iterable[Path] = [path.resolve()]
        elif path.is_dir():
            files = GitIgnore(find_root(path)).walk(path)
        else:
            continue
        for file in files:
            name = str(file)
            kind = kind_for(name)
            if kind is not None and name not in seen:
                seen.add(name)
                yield file, kind


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


def check_file(path: Path, kind: Kind, snapshot_for: SnapshotFor) -> list[Report]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return []
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return []
    if kind != "project-json" and "infisical" not in text:
        return []
    found = analysis.diagnose(text, kind, snapshot_for(path, text, kind))
    if not found:
        return []
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    reports = []
    for finding in found:
        line, column = _position(starts, finding.start)
        end_line, end_column = _position(starts, finding.end)
        reports.append(Report(path, line, column, end_line, end_column, finding))
    return reports


class SnapshotFor:
    """The catalog view for one file: its project (from the nearest .infisical.json) and workspace slugs."""

    def __init__(self, catalog: Catalog | None, project_override: str | None, timeout: float = 30.0) -> None:
        self.catalog = catalog
        self.project_override = project_override
        self.timeout = timeout
        self.failed: dict[str, str] = {}

    def __call__(self, path: Path, text: str, kind: Kind) -> Snapshot:
        config_path = path if kind == "project-json" else find_project_file(path.parent)
        config = None
        if config_path is not None:
            try:
                config = parse_project_config_lenient(
                    text if config_path == path else config_path.read_text(encoding="utf-8"), config_path
                )
            except (OSError, UnicodeDecodeError):
                config = None
        slugs = analysis.workspace_slugs(text, kind) if kind != "project-json" else []
        if config is not None:
            slugs = [config.default_environment, *config.branch_mapping.values(), *slugs]
        project_id = self.project_override or (config.workspace_id.strip() if config else "") or None
        if self.catalog is None or project_id is None:
            return offline_snapshot(project_id, slugs, "offline")
        if project_id not in self.failed:
            try:
                return self.catalog.wait(project_id, self.timeout)
            except Exception as err:
                self.failed[project_id] = str(err)
        return offline_snapshot(project_id, slugs, self.failed[project_id])


def format_text(reports: Sequence[Report], base: Path) -> str:
    lines = []
    for r in reports:
        f = r.finding
        lines.append(f"{_display(r.path, base)}:{r.line}:{r.column}: {f.severity} {f.code} {f.text}")
    return "".join(line + "\n" for line in lines)


def format_json(reports: Sequence[Report], base: Path) -> str:
    data = [
        {
            "path": _display(r.path, base),
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
    return json.dumps(data, indent=2) + "\n"


def _escape_github(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def format_github(reports: Sequence[Report], base: Path) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for r in reports:
        props = ",".join(
            [
                f"file={_escape_github(_display(r.path, base), True)}",
                f"line={r.line}",
                f"col={r.column}",
                f"endLine={r.end_line}",
                f"endColumn={r.end_column}",
                f"title={_escape_github('infisical ' + r.finding.code, True)}",
            ]
        )
        lines.append(f"::{level[r.finding.severity]} {props}::{_escape_github(r.finding.text)}")
    return "".join(line + "\n" for line in lines)


def _display(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


FORMATS = {"text": format_text, "json": format_json, "github": format_github}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="infisical-tokens check",
        description="Check .infisical.json files and `infisical service-token` command lines.",
    )
    p.add_argument("paths", nargs="*", type=Path, default=[Path(".")], help="files or folders (default: .)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
    p.add_argument("--online", action="store_true", help="also check against the project's environments and folders")
    p.add_argument("--projectId", dest="project_id", help="project to check against (default: .infisical.json)")
    p.add_argument("--domain", help="Infisical instance for --online (default: your login's)")
    return p
