"""``check``'s findings as text (``path:line:col: severity code message``), JSON, or GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .models import printable

if TYPE_CHECKING:
    from .outcomes import Report


def format_text(reports: Sequence[Report], base: Path) -> str:
    base = base.resolve()  # once, not once per finding
    lines = []
    for r in reports:
        f = r.finding
        lines.append(f"{printable(_relative(r.path, base))}:{r.line}:{r.column}: {f.severity} {f.code} {f.text}")
    return "".join(line + "\n" for line in lines)


def format_json(reports: Sequence[Report], base: Path) -> str:
    return json.dumps(json_data(reports, base), indent=2) + "\n"


def json_data(reports: Sequence[Report], base: Path) -> list[dict[str, Any]]:
    base = base.resolve()
    return [
        {
            "path": _relative(r.path, base),
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
    base = base.resolve()
    lines = []
    for r in reports:
        props = ",".join(
            [
                f"file={_escape_github(printable(_relative(r.path, base)), True)}",
                f"line={r.line}",
                f"col={r.column}",
                f"endLine={r.end_line}",
                f"endColumn={r.end_column}",
                f"title={_escape_github('infisical ' + r.finding.code, True)}",
            ]
        )
        lines.append(f"::{level[r.finding.severity]} {props}::{_escape_github(r.finding.text)}")
    return "".join(line + "\n" for line in lines)


def _relative(path: Path, base: Path) -> str:
    """``path`` from ``base``, which the caller has resolved."""
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def display(path: Path, base: Path) -> str:
    """A path for a terminal or a CI log: a file name cannot carry an escape sequence there (JSON escapes its own)."""
    return printable(_relative(path, base.resolve()))


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
