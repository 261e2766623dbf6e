"""Text for people (help, the create summary, token tables and details, problems with a caret) and each outcome's
one presentation (its text and its JSON form, :func:`presentations`), which every face shows.

Pure functions returning strings and JSON data; the faces decide where they go.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

from .command import (
    GLOBAL_FLAGS,
    GROUP,
    GROUP_SUMMARY,
    PROGRAM,
    SUBCOMMANDS,
    TOP_LEVEL,
    CreateOptions,
    Flag,
    Positional,
    Subcommand,
)
from .durations import duration
from .problems import Problem, sentences
from .record import record

# models, errors and reach (glob, picomatch) are imported by the functions that use them: --help imports this module
if TYPE_CHECKING:
    from .check_report import CheckReport
    from .context import Progress
    from .migration import Migrated, MigratePreview
    from .models import Generation, TokenInfo
    from .outcomes import (
        AuditReport,
        Created,
        Deleted,
        DryRun,
        Rotated,
        RotatePreview,
        TokenList,
        TokenView,
    )


def _flag_rows(flags: Sequence[Flag]) -> list[str]:
    visible = [f for f in flags if not f.hidden]
    left = []
    for f in visible:
        head = f"-{f.short}, --{f.name}" if f.short else f"    --{f.name}"
        left.append(f"{head} {f.type_name}".rstrip())
    width = max((len(x) for x in left), default=0)
    rows = []
    for text, f in zip(left, visible, strict=True):
        default = ""
        if isinstance(f.default, str) and f.default:
            default = f' (default "{f.default}")'
        elif isinstance(f.default, int) and not isinstance(f.default, bool) and f.kind == "int":
            default = f" (default {f.default})"
        rows.append(f"  {text.ljust(width)}   {f.help}{default}")
    return rows


def help_text(sub: Subcommand | None) -> str:
    """cobra-style help for ``service-token`` or one of its subcommands."""
    if sub is None:
        width = max(len(n) for n in SUBCOMMANDS)
        lines = [
            GROUP_SUMMARY,
            "",
            "Usage:",
            f"  {PROGRAM} {GROUP} [command]",
            "",
            "Available Commands:",
            *(f"  {name.ljust(width)}   {cmd.summary}" for name, cmd in SUBCOMMANDS.items()),
            "",
            "Global Flags:",
            *_flag_rows(GLOBAL_FLAGS),
            "",
            f'Use "{PROGRAM} {GROUP} [command] --help" for more information about a command.',
        ]
        return "\n".join(lines) + "\n"
    usage = f"  {PROGRAM} {sub.path}"
    usage += "".join(_positional_usage(p) for p in sub.positionals) + " [flags]"
    lines = [sub.summary, "", "Usage:", usage]
    if sub.examples:
        lines += ["", "Examples:", *(f"  {e}" for e in sub.examples)]
    lines += ["", "Flags:", *_flag_rows(sub.flags), "", "Global Flags:", *_flag_rows(GLOBAL_FLAGS)]
    return "\n".join(lines) + "\n"


def _positional_usage(p: Positional) -> str:
    name = f"{p.name}..." if p.variadic else p.name
    return f" {name}" if p.required else f" [{name}]"


def top_help() -> str:
    """Every command, from the command model (a new one cannot be left out)."""
    width = max(len(n) for n in (*SUBCOMMANDS, *TOP_LEVEL)) + len(GROUP) + 1
    rows = [f"  {sub.path.ljust(width)}   {sub.summary}" for sub in (*SUBCOMMANDS.values(), *TOP_LEVEL.values())]
    return (
        f"{PROGRAM}: create and manage Infisical service tokens, compatible with `infisical service-token`.\n\n"
        "Usage:\n"
        f"  {PROGRAM} [command] [flags]\n\n"
        "Available Commands:\n" + "\n".join(rows) + "\n\n"
        "Token commands and check take --json. Environment: INFISICAL_TOKEN, INFISICAL_API_URL or INFISICAL_DOMAIN,\n"
        "INFISICAL_PROJECT_ID.\n\n"
        f'Use "{PROGRAM} [command] --help" for its flags; "{PROGRAM} --version" for the version.\n'
    )


def created_lines(options: CreateOptions, project_id: str, token: str) -> str:
    """The Infisical CLI's six lines, with the values as typed (not as the server normalised them)."""
    from .models import printable

    permissions = ", ".join(f"([environment: {s.environment}] [path: {s.path}])" for s in options.scopes)
    return (
        "New service token created\n"
        f"Name: {printable(options.name)}\n"
        f"Project ID: {project_id}\n"
        f"Access type: [{', '.join(options.access_levels)}]\n"
        f"Permission(s): {printable(permissions)}\n"
        f"Service Token: {token}\n"
    )


def may_exist_text(project_id: str | None, prog: str = PROGRAM) -> str:
    """How to find a token the server may have created without our hearing of it (never "try again" first)."""
    where = f" --projectId {project_id}" if project_id else ""
    return (
        "A token may exist (the server may have created the token without our hearing of it): before trying "
        "again, run "
        f"`{prog} service-token list{where}` and delete any token you did not get "
        f"(`{prog} service-token delete ID --yes`)."
    )


def lost_token_text(progress: Progress, prog: str = PROGRAM) -> str | None:
    """What a face says when it fails or is interrupted after a create request left, or during rotate's delete of
    the old token; None when nothing is at stake."""
    told = [text for text in (_lost_text(progress, prog), _unfinished_delete_text(progress, prog)) if text]
    return " ".join(told) or None


def _unfinished_delete_text(progress: Progress, prog: str) -> str | None:
    if progress.deleting is None:
        return None
    token_id, project_id = progress.deleting
    return (
        f"The old service token {token_id} may still exist (its delete was cut short). Finish with "
        f"`{prog} service-token delete {token_id} --projectId {project_id} --yes`."
    )


def _lost_text(progress: Progress, prog: str) -> str | None:
    if not progress.lost:
        return None
    created = progress.created
    if created is None:
        return may_exist_text(progress.create_sent_for, prog)
    info = created.info
    return (
        f"Service token '{info.name}' ({info.id}) was created, but it did not reach you and nothing else holds it. "
        f"Delete it with `{prog} service-token delete {info.id} --yes`, then create another."
    )


def problem_text(problem: Problem, argv: Sequence[str]) -> str:
    """A problem, the argv word it is in with a caret under the exact characters, and its hint."""
    from .models import printable

    lines = [f"error: {problem.message}" if problem.severity == "error" else f"Warning: {problem.message}"]
    if problem.word is not None and 0 <= problem.word < len(argv):
        word = argv[problem.word]
        start = min(problem.start, len(word))
        end = max(start + 1, min(problem.end, len(word) + 1))
        lines.append(f"  {word}")
        lines.append("  " + " " * start + "^" * (end - start))
    if problem.hint:
        lines.append(f"  hint: {problem.hint}")
    return "\n".join(printable(line) for line in lines) + "\n"  # argv echoed: never a raw ESC


def _stamp(text: str) -> str:
    """``2026-11-28 10:00`` from a server date, including JavaScript's extended years (``+010000-01-02T03:04``)."""
    match = re.match(r"([+-]?\d{4,6})-(\d\d)-(\d\d)T(\d\d):(\d\d)", text)
    if match is None:
        return text[:16]
    year = int(match.group(1))
    return f"{year}-{match.group(2)}-{match.group(3)} {match.group(4)}:{match.group(5)}"


def relative(text: str | None, now: float | None = None, *, empty: str = "never") -> str:
    """``2026-11-28T10:00:00Z (in 3 hours)``-style rendering of a server date."""
    from datetime import datetime, timezone

    from .models import parse_time

    at = parse_time(text)
    if at is None:
        return _stamp(text) + " UTC" if text else empty
    delta = at - (time.time() if now is None else now)
    span = duration(delta)
    stamp = datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{stamp} ({'in ' + span if delta >= 0 else span + ' ago'})"


def expiry_text(info: TokenInfo, now: float | None = None) -> str:
    from .models import parse_time

    at = parse_time(info.expires_at)
    if info.expires_at is None:
        return "never"
    if at is not None and at < (time.time() if now is None else now):
        return "expired " + relative(info.expires_at, now)
    return relative(info.expires_at, now)


def token_table(tokens: Sequence[TokenInfo], now: float | None = None) -> str:
    if not tokens:
        return "No service tokens in this project.\n"
    headers = ("ID", "NAME", "SCOPES", "ACCESS", "EXPIRES (UTC)", "LAST USED (UTC)")
    rows = [
        (
            t.id,
            t.name or "-",
            ", ".join(s.text for s in t.scopes) or "-",
            ",".join(t.permissions) or "-",
            "never"
            if t.expires_at is None
            else ("expired" if "expired" in expiry_text(t, now) else _stamp(t.expires_at)),
            "never" if not t.last_used else _stamp(t.last_used),
        )
        for t in tokens
    ]
    widths = [max(len(r[i]) for r in (headers, *rows)) for i in range(len(headers))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in (headers, *rows))
    return "".join(line + "\n" for line in lines)


def token_details(info: TokenInfo, now: float | None = None) -> str:
    rows = [
        ("ID", info.id),
        ("Name", info.name or "-"),
        ("Project ID", info.project_id),
        ("Scopes", ", ".join(s.text for s in info.scopes) or "-"),
        ("Access", ", ".join(info.permissions) or "none"),
        ("Expires", expiry_text(info, now)),
        ("Last used", relative(info.last_used, now)),
        ("Created", relative(info.created_at, now, empty="-")),
    ]
    if info.creator_email or info.created_by:
        # the user ID is known on every path (by ID or by the token itself); the email only when given the token
        email = f" ({info.creator_email})" if info.creator_email else ""
        rows.append(("Created by", f"user {info.created_by or '?'}{email}"))
    width = max(len(k) for k, _ in rows) + 1
    return "".join(f"{(k + ':').ljust(width)} {v}\n" for k, v in rows)


def dry_run_text(dry: DryRun) -> str:
    from .errors import server_text

    shown = dict(dry.body)
    shown["randomBytes"] = "<16 random bytes, hex: generated when sending>"
    lines = ["Dry run: nothing was sent.", f"Would send: POST {dry.url}", json.dumps(shown, indent=2)]
    if dry.coverage is None:
        lines.append(f"Folder coverage: unavailable ({dry.coverage_note or 'the folder tree could not be read'}).")
    else:
        partial = f" ({dry.coverage_note})" if dry.coverage_note else ""
        lines.append(f"Folders each scope covers (existing folders only){partial}:")
        for scope, folders in dry.coverage.items():
            listed = ", ".join(server_text(f) for f in folders) if folders else "none yet"
            lines.append(f"  {scope}: {listed}")
    lines += reads_lines([(s.environment, s.path) for s in dry.plan.options.scopes], dry.generation)
    return "\n".join(lines) + "\n"


def reads_lines(scopes: Sequence[tuple[str, str]], generation: Generation | None) -> list[str]:
    """How the server in use answers the token's reads (each generation where unknown and they differ)."""
    from .reach import explain, server_name

    return [
        f"How reads are answered, by {server_name(generation)}:",
        *(f"  {line}" for line in explain(scopes, generation)),
    ]


def rotated_text(old_name: str, old_id: str, deleted: bool, delete_error: str | None) -> str:
    """What happened to the old token (the new one has been shown already)."""
    if deleted:
        return f"Deleted the old service token '{old_name}' ({old_id}).\n"
    if delete_error is None:
        return (
            f"Kept the old service token '{old_name}' ({old_id}) (--keep-old). Delete it when nothing uses it: "
            f"infisical-tokens service-token delete {old_id} --yes\n"
        )
    return (
        f"The new token was created, but the old service token '{old_name}' ({old_id}) could not be deleted: "
        f"{delete_error}\nFinish the rotation with: infisical-tokens service-token delete {old_id} --yes\n"
    )


def audit_text(report: AuditReport) -> str:
    if not report.findings:
        return f"No findings over {len(report.tokens)} service token(s) in project {report.project_id}.\n"
    rows = [
        (f.severity, f.code, f.token_id[:8], f.token_name or "-", sentences(f.message, f.hint)) for f in report.findings
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4] for r in rows]
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "info")}
    summary = ", ".join(f"{n} {s}(s)" for s, n in counts.items() if n)
    lines.append(f"{len(report.findings)} finding(s) ({summary}) over {len(report.tokens)} service token(s).")
    return "".join(line + "\n" for line in lines)


def audit_json(report: AuditReport) -> str:
    return json.dumps(json_form(report), indent=2) + "\n"


def audit_github(report: AuditReport) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in report.findings:
        title = f"infisical {f.code}".replace(":", "%3A").replace(",", "%2C")
        text = f"{f.token_name} ({f.token_id}): {sentences(f.message, f.hint)}".replace("%", "%25").replace("\n", "%0A")
        lines.append(f"::{level[f.severity]} title={title}::{text}")
    return "".join(line + "\n" for line in lines)


AUDIT_FORMATS = {"text": audit_text, "json": audit_json, "github": audit_github}


# ---------------------------------------------------------------------- one presentation per outcome, for every face
# The JSON shapes are documented in the README ("JSON output") and checked by tests/test_json_output.py; the language
# server answers them too, typed by the TypedDicts below (lsp/protocol.py builds its answers from them).


class ScopeJson(TypedDict):
    environment: str
    secretPath: str


class _TokenJsonFields(TypedDict):
    id: str
    name: str
    projectId: str
    scopes: list[ScopeJson]
    permissions: list[str]
    expiresAt: str | None
    lastUsed: str | None
    createdAt: str | None
    createdBy: str | None


class TokenJson(_TokenJsonFields, total=False):
    """A token's details (``TokenInfo.as_json``): ``creatorEmail`` only when the server said it."""

    creatorEmail: str


class FindingJson(TypedDict):
    code: str
    severity: str
    tokenId: str
    tokenName: str
    message: str
    hint: str


class AuditJson(TypedDict):
    projectId: str
    tokens: int
    findings: list[FindingJson]


class DeletedJson(TypedDict):
    deleted: TokenJson


@record
class Presentation:
    """How one outcome type shows itself to a person, whatever the face.

    ``text`` is what the command line prints (on ``stream``: data on standard output, what was done on standard
    error), then ``aside`` when it has one (on standard error); ``json`` its one JSON form (``--json``, the
    language server's answers), None for an outcome that has none (a completion script is text by nature).
    A face overrides an outcome type only where it truly differs (the magic's masked token and HTML tables).
    """

    text: Callable[[Any], str]
    json: Callable[[Any], Any] | None
    stream: Literal["out", "err"] = "out"
    aside: Callable[[Any], str | None] | None = None


def _token_json(info: TokenInfo) -> TokenJson:
    return cast("TokenJson", info.as_json())


def _created_json(created: Created) -> dict[str, Any]:
    """The token itself: only ever reached because the person ran create or rotate and asked for JSON."""
    return {"token": created.token, **created.info.as_json()}


def _dry_run_json(dry: DryRun) -> dict[str, Any]:
    body = {**dry.body, "randomBytes": None}  # generated when sending: the dry run never makes one
    return {
        "dryRun": True,
        "url": dry.url,
        "body": body,
        "coverage": dry.coverage,
        "coverageNote": dry.coverage_note or dry.offline_reason,
    }


def _token_list_json(listed: TokenList) -> list[TokenJson]:
    return [_token_json(t) for t in listed.tokens]


def _token_view_json(view: TokenView) -> TokenJson:
    return _token_json(view.info)


def _deleted_json(deleted: Deleted) -> DeletedJson:
    return {"deleted": _token_json(deleted.info)}


def _rotated_json(rotated: Rotated) -> dict[str, Any]:
    return {
        "created": _created_json(rotated.created),
        "old": rotated.old.as_json(),
        "deleted": rotated.deleted,
        "deleteError": rotated.delete_error,
    }


def _rotate_preview_json(preview: RotatePreview) -> dict[str, Any]:
    return {"dryRun": _dry_run_json(preview.dry_run), "old": preview.old.as_json(), "keepOld": preview.keep_old}


def _audit_json(report: AuditReport) -> AuditJson:
    return {
        "projectId": report.project_id,
        "tokens": len(report.tokens),
        "findings": [cast("FindingJson", f.as_json()) for f in report.findings],
    }


def _check_json(report: CheckReport) -> list[dict[str, Any]]:
    from .check_output import json_data

    return json_data(report.reports, report.base)


def _created_text(created: Created) -> str:
    return created_lines(created.plan.options, created.plan.project_id, created.token)


def _deleted_text(deleted: Deleted) -> str:
    return f"Deleted service token '{deleted.info.name}' ({deleted.info.id}).\n"


def _rotated_outcome_text(rotated: Rotated) -> str:
    """The new token was shown when it was created (``Context.deliver``); this says what became of the old one."""
    old = rotated.old
    return rotated_text(old.name, old.id, rotated.deleted, rotated.delete_error)


def _rotate_preview_text(preview: RotatePreview) -> str:
    action = "keep" if preview.keep_old else "delete"
    then = f"Then {action} the old service token '{preview.old.name}' ({preview.old.id}).\n"
    return dry_run_text(preview.dry_run) + then


def _check_aside(report: CheckReport) -> str | None:
    """The count, for a person: never after a machine format (JSON, GitHub annotations)."""
    return report.summary() if report.options.format == "text" else None


def _migrate_preview_text(preview: MigratePreview) -> str:
    from .migration_text import preview_text

    return preview_text(preview)


def _migrated_text(done: Migrated) -> str:
    from .migration_text import migrated_text

    return migrated_text(done)


def own_presentation(kind: type) -> Presentation | None:
    """The presentation an outcome type carries itself: a ``text(self) -> str`` method, and a ``json(self)`` method
    for its JSON form (none without it), and optionally a ``stream`` class attribute ("out" or "err"). So a new
    outcome type, defined beside its workflow, needs no entry here for every face to show it."""
    text, form = getattr(kind, "text", None), getattr(kind, "json", None)
    if not callable(text):
        return None
    stream = getattr(kind, "stream", "out")
    return Presentation(text, form if callable(form) else None, stream="err" if stream == "err" else "out")


class _Presentations(dict[type, Presentation]):
    """The table, filled one outcome module at a time (the module of the outcome being shown is imported already:
    presenting a check's report imports none of migrate's), falling back to an outcome type's own presentation."""

    def __init__(self) -> None:
        super().__init__()
        self.filled: set[str] = set()

    def __missing__(self, kind: type) -> Presentation:
        table = _TABLES.get(kind.__module__)
        if table is not None and kind.__module__ not in self.filled:
            self.filled.add(kind.__module__)
            self.update(table())
            if kind in self:
                return self[kind]
        own = own_presentation(kind)
        if own is None:
            raise KeyError(kind)
        return own


@cache
def presentations() -> dict[type, Presentation]:
    """Each outcome type's one presentation: an entry of its module's table below, or (a new outcome type) its
    own text and json methods (:func:`own_presentation`); a test checks every workflow's."""
    return _Presentations()


def _outcomes_table() -> dict[type, Presentation]:
    from . import outcomes

    return {
        outcomes.Created: Presentation(_created_text, _created_json, stream="err"),
        outcomes.DryRun: Presentation(dry_run_text, _dry_run_json),
        outcomes.TokenList: Presentation(lambda listed: token_table(listed.tokens), _token_list_json),
        outcomes.TokenView: Presentation(lambda view: token_details(view.info), _token_view_json),
        outcomes.Deleted: Presentation(_deleted_text, _deleted_json, stream="err"),
        outcomes.Rotated: Presentation(_rotated_outcome_text, _rotated_json, stream="err"),
        outcomes.RotatePreview: Presentation(_rotate_preview_text, _rotate_preview_json),
        outcomes.AuditReport: Presentation(audit_text, _audit_json),
        outcomes.CompletionScript: Presentation(lambda script: script.text, None),
    }


def _check_table() -> dict[type, Presentation]:
    from .check_report import CheckReport

    return {CheckReport: Presentation(lambda report: report.formatted(), _check_json, aside=_check_aside)}


def _migration_table() -> dict[type, Presentation]:
    from .migration import Migrated, MigratePreview

    return {
        MigratePreview: Presentation(_migrate_preview_text, _migrate_preview_json),
        Migrated: Presentation(_migrated_text, _migrated_json),
    }


_TABLES: dict[str, Callable[[], dict[type, Presentation]]] = {
    f"{__package__}.outcomes": _outcomes_table,
    f"{__package__}.check_report": _check_table,
    f"{__package__}.migration": _migration_table,
}


def _migrate_preview_json(outcome: MigratePreview) -> dict[str, Any]:
    plan = outcome.plan
    return {
        "identityName": plan.name,
        "rules": plan.sent_rules,
        "lifetime": plan.lifetime.describe(),
        "differences": [{"kind": d.kind, "scope": d.scope, "message": d.message} for d in plan.differences],
    }


def _migrated_json(outcome: Migrated) -> dict[str, Any]:
    """The client secret is in it: the person ran migrate, which shows it this once."""
    return outcome.as_json()


def json_form(outcome: object) -> Any:
    form = presentations()[type(outcome)].json
    if form is None:
        raise TypeError(f"{type(outcome).__name__} has no JSON form")
    return form(outcome)


def json_text(outcome: object) -> str:
    return json.dumps(json_form(outcome), indent=2) + "\n"
