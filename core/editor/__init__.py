"""The editor engine: ``(text, kind, document context) -> findings / completions / hovers / actions``.

Split by document kind (:mod:`.commands` for command lines in any text, :mod:`.project_json` for
``.infisical.json``); :mod:`.context` says which project and catalog snapshot a document belongs to.
The language server, ``infisical-tokens check`` and the magic's completion present these results.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..filetypes import Kind
from ..record import replace
from ..snippets import CommandSite, Edited, find_commands, site_at
from . import commands, project_json
from .answers import Action, Completion, Completions, CreateRequest, Edit, Finding, HoverInfo
from .document import DocumentContext

__all__ = [
    "Action",
    "Completion",
    "Completions",
    "CreateRequest",
    "DocumentContext",
    "Edit",
    "Finding",
    "HoverInfo",
    "actions",
    "complete",
    "diagnose",
    "diagnose_edit",
    "hover",
]


Sites = Sequence[CommandSite]  # the command lines of one document version (``find_commands``), if known


def diagnose(text: str, kind: Kind | None, doc: DocumentContext, sites: Sites | None = None) -> list[Finding]:
    if kind == "project-json":
        return project_json.findings(text, doc.snapshot, doc.login_api_url)
    found = commands.sites_findings(find_commands(text, kind) if sites is None else sites, doc.snapshot)
    return sorted(found, key=_reading_order)  # in reading order, whatever check found them in


def diagnose_edit(found: Sequence[Finding], edited: Edited, doc: DocumentContext) -> list[Finding]:
    """``diagnose`` of an edited document (not ``.infisical.json``), from its findings before the edit under
    the same context: the command lines the edit did not touch keep theirs (moved with their text), only the
    lines read again are checked (a keystroke in a long script costs what its own line costs)."""
    before = [f for f in found if f.start < edited.restart]
    after = [_moved(f, edited.delta) for f in found if f.start >= edited.resume]
    read_again = [f for site in edited.added for f in commands.site_findings(site, doc.snapshot)]
    return before + sorted(read_again, key=_reading_order) + after


def _reading_order(finding: Finding) -> tuple[int, int]:
    return finding.start, finding.end


def _moved(finding: Finding, delta: int) -> Finding:
    fix = finding.fix
    moved_fix = replace(fix, start=fix.start + delta, end=fix.end + delta) if fix is not None else None
    return replace(finding, start=finding.start + delta, end=finding.end + delta, fix=moved_fix)


def complete(
    text: str, kind: Kind | None, offset: int, doc: DocumentContext, sites: Sites | None = None
) -> Completions:
    if kind == "project-json":
        return project_json.complete(text, offset, doc.snapshot)
    site = site_at(find_commands(text, kind) if sites is None else sites, offset)
    return commands.complete(site, offset, doc.snapshot) if site is not None else Completions([])


def hover(
    text: str, kind: Kind | None, offset: int, doc: DocumentContext, sites: Sites | None = None
) -> HoverInfo | None:
    if kind == "project-json":
        return project_json.hover(text, offset, doc.snapshot)
    site = site_at(find_commands(text, kind) if sites is None else sites, offset)
    return commands.hover(site, offset, doc.snapshot) if site is not None else None


def actions(
    text: str,
    kind: Kind | None,
    start: int,
    end: int,
    doc: DocumentContext,
    findings: Sequence[Finding] | None = None,
    sites: Sites | None = None,
) -> list[Action]:
    """Quick fixes for findings in [start, end], and "Create service token" on a create command there."""
    found = list(findings) if findings is not None else diagnose(text, kind, doc)
    result = [
        Action(f.fix_title or "Fix", "quickfix", f.fix, f.code, preferred=True)
        for f in found
        if f.fix is not None and f.start <= end and start <= f.end
    ]
    if kind != "project-json":
        result += commands.actions(find_commands(text, kind) if sites is None else sites, start, end)
    return result
