"""Pure editor features: ``(text, kind, catalog snapshot) -> findings / completions / hovers / actions``.

The language server and ``infisical-tokens check`` are two presentations of these results. All
positions are character offsets into the document text; adapters convert them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from . import command, scope
from .catalog import Snapshot
from .glob import compile_glob
from .jsonloc import Location, Member, locate, members
from .lexer import Word
from .problems import Problem, Severity
from .project import KEYS
from .session import normalize_api_url
from .snippets import CommandSite, Kind, find_commands, site_at

DocMapFn = Callable[[int], int]  # index into a word's text -> document offset

DOMAINS = (
    ("https://app.infisical.com", "Infisical Cloud (US)"),
    ("https://eu.infisical.com", "Infisical Cloud (EU)"),
)
KEY_DOCS = {
    "workspaceId": "The project ID (`infisical init` writes it); `service-token create` uses it by default.",
    "defaultEnvironment": "Environment slug other commands use when none is given.",
    "gitBranchToEnvironmentMapping": "Git branch name -> environment slug, used by other commands.",
    "defaultSecretPath": "Folder path other commands use by default, e.g. /backend.",
    "domain": "Infisical instance URL for this repository (https://...). Credentials are only sent "
    "there if you confirm it outside the repository.",
}


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str
    start: int
    end: int
    hint: str = ""
    fix: Edit | None = None
    fix_title: str = ""

    @property
    def text(self) -> str:
        return f"{self.message} {self.hint}".strip()


@dataclass(frozen=True)
class Completion:
    label: str
    new_text: str
    start: int
    end: int
    kind: Literal["environment", "folder", "flag", "value", "project", "key", "command"]
    detail: str = ""
    documentation: str = ""
    filter_text: str | None = None
    sort_text: str | None = None
    retrigger: bool = False  # ask the editor for the next level at once (e.g. after "dev:")
    snippet: bool = False


@dataclass(frozen=True)
class Completions:
    items: list[Completion]
    incomplete: bool = False


@dataclass(frozen=True)
class HoverInfo:
    markdown: str
    start: int
    end: int


@dataclass(frozen=True)
class CreateRequest:
    """A create command found in a document, as the "Create service token" action will run it."""

    argv: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Action:
    title: str
    kind: Literal["quickfix", "create"]
    edit: Edit | None = None
    code: str = ""
    create: CreateRequest | None = None
    preferred: bool = False


@dataclass(frozen=True)
class DocumentContext:
    """Facts about the document's surroundings that the text does not say."""

    project_id: str | None = None
    login_api_url: str | None = None
    workspace_slugs: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------- command lines


def _word_range(site: CommandSite, problem: Problem) -> tuple[int, int]:
    if problem.word is None:
        last = site.words[min(2, len(site.words) - 1)]
        return site.start, last.end
    word = site.words[problem.word + 1]
    start = word.doc_offset(problem.start)
    end = word.doc_offset(problem.end) if problem.end > problem.start else start
    if end <= start:
        end = min(start + 1, word.end) if start < word.end else start
    return start, end


def _finding(site: CommandSite, problem: Problem) -> Finding:
    start, end = _word_range(site, problem)
    fix = None
    if problem.fix is not None and problem.word is not None:
        word = site.words[problem.word + 1]
        fix = Edit(word.doc_offset(problem.fix.start), word.doc_offset(problem.fix.end), problem.fix.text)
    return Finding(
        problem.severity,
        problem.code,
        problem.message,
        start,
        end,
        problem.hint,
        fix,
        problem.fix.title if problem.fix else "",
    )


def _catalog_problems(parsed: command.ParsedCommand, snapshot: Snapshot) -> list[Problem]:
    """Unknown environments and scopes that cover no folder, when the catalog really knows them."""
    if not snapshot.online:
        return []
    explicit = parsed.string("projectId")
    if explicit and explicit != snapshot.project_id:
        return []
    problems: list[Problem] = []
    fields, _ = command.list_fields(parsed, "scope")
    for f, occurrence in fields:
        parsed_scope = scope.parse_scope_field(f)
        if parsed_scope is None:
            continue
        found = scope.check_environment(parsed_scope, snapshot.slugs)
        if found is None and parsed_scope.environment in snapshot.folders:
            found = scope.check_folders(parsed_scope, snapshot.folders[parsed_scope.environment])
        if found is not None:
            problems.append(found.shifted(occurrence.word, occurrence.offset))
    return problems


def command_findings(site: CommandSite, snapshot: Snapshot) -> list[Finding]:
    if not site.is_service_token:
        return []
    parsed, problems = command.check(site.argv)
    if parsed.subcommand is command.CREATE and not parsed.help:
        problems = problems + _catalog_problems(parsed, snapshot)
    return [_finding(site, p) for p in problems]


def workspace_slugs(text: str, kind: Kind | None) -> list[str]:
    """Environment slugs the document itself uses (the offline fallback for completion)."""
    slugs: list[str] = []
    for site in find_commands(text, kind):
        if not site.is_service_token:
            continue
        fields, _ = command.list_fields(command.parse(site.argv), "scope")
        for f, _occurrence in fields:
            parsed_scope = scope.parse_scope_field(f)
            if parsed_scope is not None and parsed_scope.environment.strip():
                slugs.append(parsed_scope.environment.strip())
    return slugs


# ---------------------------------------------------------------------- .infisical.json


def _json_findings(text: str, snapshot: Snapshot, context: DocumentContext) -> list[Finding]:
    findings: list[Finding] = []
    try:
        json.loads(text)
    except RecursionError:
        findings.append(Finding("error", "json-invalid", "Invalid JSON: nested too deeply.", 0, min(1, len(text))))
    except ValueError as err:
        position = getattr(err, "pos", 0)
        findings.append(
            Finding(
                "error",
                "json-invalid",
                f"Invalid JSON: {getattr(err, 'msg', str(err))}.",
                position,
                min(position + 1, len(text)),
                "The Infisical CLI cannot read this file.",
            )
        )
    canonical = {k.lower(): k for k in KEYS}
    for member in members(text):
        if len(member.path) != 1 or member.key is None or member.value is None:
            if len(member.path) == 2 and member.path[0] == "gitBranchToEnvironmentMapping":
                findings += _slug_findings(member, snapshot, f"Branch '{member.path[1]}' maps to")
            continue
        key = str(member.path[0])
        known = canonical.get(key.lower())
        if known is None:
            suggestion = scope.closest(key, KEYS)
            findings.append(
                Finding(
                    "warning",
                    "json-unknown-key",
                    f"Unknown key '{key}': the Infisical CLI ignores it.",
                    member.key.start,
                    member.key.end,
                    f"Did you mean '{suggestion}'?" if suggestion else f"Known keys: {', '.join(KEYS)}.",
                    Edit(member.key.start, member.key.end, json.dumps(suggestion)) if suggestion else None,
                    f"Rename to '{suggestion}'" if suggestion else "",
                )
            )
            continue
        value = member.value
        if known == "gitBranchToEnvironmentMapping":
            if value.kind not in ("{",) and not (value.kind == "literal" and value.value == "null"):
                findings.append(
                    Finding(
                        "error",
                        "json-type",
                        f"'{known}' must map branch names to environment slugs.",
                        value.start,
                        value.end,
                    )
                )
            continue
        if value.kind != "string":
            findings.append(Finding("error", "json-type", f"'{known}' must be a string.", value.start, value.end))
            continue
        if known == "defaultEnvironment" and value.value:
            findings += _slug_findings(member, snapshot, "defaultEnvironment is")
        elif known == "workspaceId":
            if not value.value.strip():
                findings.append(
                    Finding(
                        "error",
                        "json-no-project",
                        "workspaceId is empty.",
                        value.start,
                        value.end,
                        "Run `infisical init`, or put your project ID here.",
                    )
                )
            elif snapshot.projects and value.value not in {p.id for p in snapshot.projects}:
                findings.append(
                    Finding(
                        "warning",
                        "json-unknown-project",
                        f"Project '{value.value}' is not among the projects you can see.",
                        value.start,
                        value.end,
                        "Check the ID, or your access to the project.",
                    )
                )
        elif known == "defaultSecretPath" and value.value and not value.value.startswith("/"):
            findings.append(
                Finding(
                    "warning",
                    "json-path",
                    "defaultSecretPath should start with '/'.",
                    value.start,
                    value.end,
                    fix=Edit(value.start + 1, value.start + 1, "/"),
                    fix_title="Add the leading /",
                )
            )
        elif known == "domain" and value.value:
            findings += _domain_findings(value.value, value.start, value.end, context)
    return findings


def _slug_findings(member: Member, snapshot: Snapshot, what: str) -> list[Finding]:
    value = member.value
    if value is None or value.kind != "string" or not snapshot.online or value.value in snapshot.slugs:
        return []
    suggestion = scope.closest(value.value, snapshot.slugs)
    return [
        Finding(
            "error",
            "json-unknown-env",
            f"{what} '{value.value}', which is not an environment of this project.",
            value.start,
            value.end,
            (f"Did you mean '{suggestion}'? " if suggestion else "") + f"Known: {', '.join(snapshot.slugs) or 'none'}.",
            Edit(value.start, value.end, json.dumps(suggestion)) if suggestion else None,
            f"Use '{suggestion}'" if suggestion else "",
        )
    ]


def _domain_findings(domain: str, start: int, end: int, context: DocumentContext) -> list[Finding]:
    if not domain.startswith(("http://", "https://")):
        return [
            Finding(
                "warning",
                "json-domain-invalid",
                "domain must start with http(s)://; the CLI ignores it.",
                start,
                end,
            )
        ]
    if context.login_api_url and normalize_api_url(domain) != context.login_api_url:
        return [
            Finding(
                "warning",
                "json-domain-trust",
                f"This repository points at {domain}, but you are logged in to {context.login_api_url}.",
                start,
                end,
                "Your credentials are only sent where you logged in; this domain is not used.",
            )
        ]
    return []


# ---------------------------------------------------------------------- diagnostics


def diagnose(text: str, kind: Kind | None, snapshot: Snapshot, context: DocumentContext | None = None) -> list[Finding]:
    context = context or DocumentContext()
    if kind == "project-json":
        return _json_findings(text, snapshot, context)
    findings: list[Finding] = []
    for site in find_commands(text, kind):
        findings += command_findings(site, snapshot)
    return findings


# ---------------------------------------------------------------------- completion


def _cursor_word(site: CommandSite, offset: int) -> tuple[int, Word | None]:
    """(index of the word in site.words, the word) under the cursor; word None: a new word at the cursor."""
    for i, word in enumerate(site.words):
        if word.start <= offset <= word.end:
            return i, word
    count = sum(1 for w in site.words if w.end < offset)
    return count, None


def _flag_items(parsed_sub: command.Subcommand, used: set[str], start: int, end: int) -> list[Completion]:
    items = []
    for flag in (*parsed_sub.flags, *command.GLOBAL_FLAGS):
        if flag.hidden or flag.name == "help":
            continue
        if flag.name in used and flag.kind != "list":
            continue
        takes_value = flag.kind != "bool"
        insert = f"--{flag.name}=" if takes_value else f"--{flag.name}"
        items.append(
            Completion(
                insert,
                insert,
                start,
                end,
                "flag",
                detail=f"-{flag.short}" if flag.short else "",
                documentation=flag.help,
                sort_text=("0" if flag.name in ("scope", "access-level") else "1") + flag.name,
                retrigger=takes_value,
            )
        )
    return items


def _split_field(value: str, cursor: int) -> tuple[int, int]:
    """The CSV field of ``value`` around index ``cursor``: (start, end) indexes in ``value``."""
    start = value.rfind(",", 0, cursor) + 1
    end = value.find(",", cursor)
    return start, len(value) if end < 0 else end


def _scope_items(field_text: str, cursor: int, snapshot: Snapshot, to_doc: DocMapFn) -> tuple[list[Completion], bool]:
    """Completions for one scope field (``env:path``); ``cursor`` is an index into ``field_text``."""
    colon = field_text.find(":")
    if colon < 0 or cursor <= colon:
        start, end = to_doc(0), to_doc(colon if colon >= 0 else len(field_text))
        env_items = []
        for env in snapshot.environments:
            env_items.append(
                Completion(
                    env.slug,
                    f"{env.slug}:" if colon < 0 else env.slug,
                    start,
                    end,
                    "environment",
                    detail=env.name if env.name != env.slug else "",
                    retrigger=colon < 0,
                )
            )
        return env_items, not snapshot.online
    path = field_text[colon + 1 : cursor]
    parent = path[: path.rfind("/") + 1] if "/" in path else ""
    start, end = to_doc(colon + 1), to_doc(len(field_text))
    slug = field_text[:colon].strip()
    items: list[Completion] = []
    if not parent:
        items.append(Completion("/", "/", start, end, "folder", "the root folder only", sort_text="0/"))
        items.append(Completion("/**", "/**", start, end, "folder", "every folder", sort_text="0/**"))
        parent = "/"
    else:
        items.append(
            Completion(
                f"{parent}**",
                f"{parent}**",
                start,
                end,
                "folder",
                f"everything under {parent.rstrip('/') or '/'}",
                sort_text=f"0{parent}**",
            )
        )
    for name in sorted(snapshot.children(slug, parent)):
        folder = f"{parent}{name}"
        items.append(
            Completion(
                f"{folder}/",
                f"{folder}/",
                start,
                end,
                "folder",
                "its subfolders next",
                sort_text=f"1{folder}/",
                retrigger=True,
            )
        )
        items.append(
            Completion(
                f"{folder}/**",
                f"{folder}/**",
                start,
                end,
                "folder",
                f"{folder} and everything below it",
                sort_text=f"1{folder}/**",
            )
        )
        items.append(Completion(folder, folder, start, end, "folder", f"only {folder} itself", sort_text=f"2{folder}"))
    return items, not snapshot.online


def _value_items(
    flag: command.Flag, value: str, cursor: int, snapshot: Snapshot, to_doc: DocMapFn
) -> tuple[list[Completion], bool]:
    if flag.name == "scope":
        f_start, f_end = _split_field(value, cursor)
        field_text = value[f_start:f_end]
        return _scope_items(field_text, cursor - f_start, snapshot, lambda i: to_doc(f_start + i))
    if flag.name == "access-level":
        f_start, f_end = _split_field(value, cursor)
        start, end = to_doc(f_start), to_doc(f_end)
        return [
            Completion(level, level, start, end, "value", detail)
            for level, detail in (
                ("read", "read secrets in the scopes"),
                ("write", "create, change and delete secrets"),
            )
        ], False
    start, end = to_doc(0), to_doc(len(value))
    if flag.name == "expiry-seconds":
        return [
            Completion(str(seconds), str(seconds), start, end, "value", meaning, sort_text=f"{i:02d}")
            for i, (seconds, meaning) in enumerate(command.EXPIRY_PRESETS)
        ], False
    if flag.name == "projectId":
        return [
            Completion(p.name, p.id, start, end, "project", p.id, filter_text=p.id) for p in snapshot.projects
        ], not snapshot.online
    if flag.name == "domain":
        return [Completion(url, url, start, end, "value", label) for url, label in DOMAINS], False
    return [], False


def _command_completions(site: CommandSite, offset: int, snapshot: Snapshot) -> Completions:
    index, word = _cursor_word(site, offset)
    if index == 0 and word is not None:
        return Completions([])
    start = word.start if word is not None else offset
    end = word.end if word is not None else offset
    text_before = word.text[: word.text_index(offset)] if word is not None else ""
    argv_index = index - 1
    if argv_index == 0:
        return Completions([Completion("service-token", "service-token", start, end, "command", command.GROUP_SUMMARY)])
    if argv_index == 1:
        return Completions(
            [Completion(name, name, start, end, "command", sub.summary) for name, sub in command.SUBCOMMANDS.items()]
        )
    parsed = command.parse(site.argv[:argv_index] if word is None else site.argv)
    sub = parsed.subcommand
    if sub is None:
        return Completions([])

    def map_in(w: Word, base: int) -> DocMapFn:
        return lambda i: w.doc_offset(base + i)

    previous = site.words[index - 1] if index - 1 >= 1 else None
    if previous is not None and previous.text.startswith("-") and "=" not in previous.text:
        flag = _flag_named(previous.text, sub)
        if flag is not None and flag.kind != "bool" and (previous.text.startswith("--") or len(previous.text) == 2):
            value = word.text if word is not None else ""
            cursor = len(text_before)
            if word is None:
                return Completions(*_value_items(flag, "", 0, snapshot, lambda i: offset))
            return Completions(*_value_items(flag, value, cursor, snapshot, map_in(word, 0)))
    if word is not None and text_before.startswith("--"):
        name, eq, _rest = word.text.partition("=")
        if eq and len(text_before) > len(name):
            flag = sub.flag(name[2:])
            if flag is None or flag.kind == "bool":
                return Completions([])
            base = len(name) + 1
            value = word.text[base:]
            return Completions(*_value_items(flag, value, len(text_before) - base, snapshot, map_in(word, base)))
        used = {o.flag.name for o in parsed.occurrences}
        return Completions(_flag_items(sub, used, start, end))
    if word is not None and text_before.startswith("-") and len(text_before) >= 2:
        flag = next((f for f in (*sub.flags, *command.GLOBAL_FLAGS) if f.short == text_before[1]), None)
        if flag is not None and flag.kind != "bool":
            base = 3 if word.text[2:3] == "=" else 2
            value = word.text[base:]
            return Completions(
                *_value_items(flag, value, max(0, len(text_before) - base), snapshot, map_in(word, base))
            )
        return Completions([])
    if word is None or text_before == "" or text_before == "-":
        used = {o.flag.name for o in parsed.occurrences}
        return Completions(_flag_items(sub, used, start, end))
    return Completions([])


def _flag_named(text: str, sub: command.Subcommand) -> command.Flag | None:
    if text.startswith("--"):
        return sub.flag(text[2:])
    if len(text) == 2:
        return next((f for f in (*sub.flags, *command.GLOBAL_FLAGS) if f.short == text[1]), None)
    return None


def _json_completions(text: str, offset: int, snapshot: Snapshot) -> Completions:
    location = locate(text, offset)
    path = location.path
    if location.is_key and len(path) == 1:
        return Completions(_key_items(location))
    if location.is_key or not path:
        return Completions([])
    key = path[0]
    start, end = location.start, location.end
    if (key == "defaultEnvironment" and len(path) == 1) or (key == "gitBranchToEnvironmentMapping" and len(path) == 2):
        return Completions(
            [
                Completion(
                    e.slug,
                    json.dumps(e.slug),
                    start,
                    end,
                    "environment",
                    e.name if e.name != e.slug else "",
                    filter_text=json.dumps(e.slug),
                )
                for e in snapshot.environments
            ],
            not snapshot.online,
        )
    if key == "workspaceId" and len(path) == 1:
        return Completions(
            [
                Completion(p.name, json.dumps(p.id), start, end, "project", p.id, filter_text=json.dumps(p.id))
                for p in snapshot.projects
            ],
            not snapshot.online,
        )
    if key == "defaultSecretPath" and len(path) == 1:
        folders = sorted({f for paths in snapshot.folders.values() for f in paths})
        return Completions(
            [Completion(f, json.dumps(f), start, end, "folder", filter_text=json.dumps(f)) for f in folders],
            not snapshot.online,
        )
    if key == "domain" and len(path) == 1:
        return Completions(
            [
                Completion(url, json.dumps(url), start, end, "value", label, filter_text=json.dumps(url))
                for url, label in DOMAINS
            ]
        )
    return Completions([])


def _key_items(location: Location) -> list[Completion]:
    items = []
    for key in KEYS:
        if key in location.sibling_keys:
            continue
        value = "null" if key == "gitBranchToEnvironmentMapping" else '"$1"'
        items.append(
            Completion(
                key,
                f'"{key}": {value}',
                location.start,
                location.end,
                "key",
                documentation=KEY_DOCS[key],
                filter_text=json.dumps(key),
                snippet=True,
            )
        )
    return items


def complete(text: str, kind: Kind | None, offset: int, snapshot: Snapshot) -> Completions:
    if kind == "project-json":
        return _json_completions(text, offset, snapshot)
    site = site_at(find_commands(text, kind), offset)
    if site is None:
        return Completions([])
    return _command_completions(site, offset, snapshot)


# ---------------------------------------------------------------------- hover


def _scope_hover(scope_value: scope.Scope, on_env: bool, snapshot: Snapshot) -> str:
    env = scope_value.environment.strip()
    if on_env:
        found = snapshot.environment(env)
        if found is not None and snapshot.online:
            return f"**{env}**: environment *{found.name}*"
        if snapshot.online:
            return f"**{env}**: not an environment of this project (known: {', '.join(snapshot.slugs) or 'none'})"
        return f"**{env}**: environment (offline: not checked)"
    problems = [p for p in scope.lint_scope(scope_value) if p.severity == "error"]
    if problems:
        return f"`{scope_value.path}` covers no folder: {problems[0].message}"
    if env not in snapshot.folders:
        why = "folder list unavailable" + ("" if snapshot.online else ": offline")
        return f"`{scope_value.server_path}` in **{env}** ({why})"
    match = compile_glob(scope_value.server_path)
    covered = [f for f in snapshot.folders[env] if match(f)]
    if not covered:
        return f"`{scope_value.server_path}` covers no existing folder in **{env}**."
    shown = "\n".join(f"- `{f}`" for f in covered[:20])
    more = f"\n- ... and {len(covered) - 20} more" if len(covered) > 20 else ""
    return f"`{scope_value.server_path}` covers {len(covered)} folder(s) in **{env}**:\n{shown}{more}"


def _command_hover(site: CommandSite, offset: int, snapshot: Snapshot) -> HoverInfo | None:
    index, word = _cursor_word(site, offset)
    if word is None or index < 3:
        return None
    parsed = command.parse(site.argv)
    sub = parsed.subcommand
    if sub is None:
        return None
    for occurrence in parsed.occurrences:
        if occurrence.word == index - 1 and occurrence.flag.name == "scope":
            cursor = word.text_index(offset) - occurrence.offset
            for f in scope.split_csv_lenient(occurrence.value):
                if f.start <= cursor <= f.end:
                    parsed_scope = scope.parse_scope_field(f)
                    if parsed_scope is None:
                        return None
                    on_env = cursor <= parsed_scope.env_end
                    a, b = (
                        (parsed_scope.env_start, parsed_scope.env_end)
                        if on_env
                        else (parsed_scope.path_start, parsed_scope.path_end)
                    )
                    return HoverInfo(
                        _scope_hover(parsed_scope, on_env, snapshot),
                        word.doc_offset(occurrence.offset + a),
                        word.doc_offset(occurrence.offset + b),
                    )
    flag_text = word.text.split("=", 1)[0]
    if flag_text.startswith("-"):
        flag = (
            _flag_named(flag_text, sub)
            if flag_text.startswith("--") or len(flag_text) == 2
            else _flag_named(flag_text[:2], sub)
        )
        if flag is not None:
            default = f"\n\nDefault: `{flag.default}`" if flag.default not in (None, "") else ""
            return HoverInfo(f"`{flag.label}`: {flag.help}{default}", word.start, word.doc_offset(len(flag_text)))
    return None


def _json_hover(text: str, offset: int, snapshot: Snapshot) -> HoverInfo | None:
    location = locate(text, offset)
    token = location.token
    if token is None or token.kind != "string":
        return None
    if location.is_key:
        doc = KEY_DOCS.get(token.value)
        return HoverInfo(f"`{token.value}`: {doc}", token.start, token.end) if doc else None
    key = location.path[0] if location.path else None
    if key == "defaultEnvironment" or (key == "gitBranchToEnvironmentMapping" and len(location.path) == 2):
        env = snapshot.environment(token.value)
        if env is not None and snapshot.online:
            return HoverInfo(f"**{env.slug}**: environment *{env.name}*", token.start, token.end)
        if env is not None:
            return HoverInfo(f"**{env.slug}**: environment (offline: not checked)", token.start, token.end)
    if key == "workspaceId":
        project = next((p for p in snapshot.projects if p.id == token.value), None)
        if project is not None:
            envs = ", ".join(e.slug for e in project.environments)
            return HoverInfo(f"Project **{project.name}** (environments: {envs})", token.start, token.end)
    return None


def hover(text: str, kind: Kind | None, offset: int, snapshot: Snapshot) -> HoverInfo | None:
    if kind == "project-json":
        return _json_hover(text, offset, snapshot)
    site = site_at(find_commands(text, kind), offset)
    return _command_hover(site, offset, snapshot) if site is not None else None


# ---------------------------------------------------------------------- code actions


def actions(
    text: str, kind: Kind | None, start: int, end: int, snapshot: Snapshot, findings: Sequence[Finding] | None = None
) -> list[Action]:
    """Quick fixes for findings in [start, end], and "Create service token" on a create command there."""
    found = list(findings) if findings is not None else diagnose(text, kind, snapshot)
    result: list[Action] = []
    for f in found:
        if f.fix is not None and f.start <= end and start <= f.end:
            result.append(Action(f.fix_title or "Fix", "quickfix", f.fix, f.code, preferred=True))
    if kind == "project-json":
        return result
    for site in find_commands(text, kind):
        if not (site.start <= end and start <= site.limit) or not site.is_service_token:
            continue
        parsed, problems = command.check(site.argv)
        if parsed.subcommand is not command.CREATE:
            continue
        if not parsed.all("access-level"):
            result.append(
                Action(
                    "Add --access-level=read",
                    "quickfix",
                    Edit(site.end, site.end, " --access-level=read"),
                    "missing-access-level",
                    preferred=True,
                )
            )
        if not any(p.severity == "error" for p in problems):
            result.append(
                Action("Create service token", "create", create=CreateRequest(tuple(site.argv), site.start, site.end))
            )
    return result
