"""The commands the server offers over ``workspace/executeCommand`` (names, arguments and answers) and the
notifications it sends, typed once. An answer that carries an outcome holds its JSON form, typed beside it in
:mod:`infisical_tokens.core.render` (``TokenJson``, ``FindingJson``).

The VS Code extension's ``src/common/protocol.ts`` is generated from this module
(``python -m infisical_tokens.lsp.protocol > vscode-extension/src/common/protocol.ts``), and a test
fails when the two differ, so both sides of the wire have the same types.
"""

from __future__ import annotations

import sys
import typing
from typing import Any, TypedDict, Union, get_args, get_origin, get_type_hints

from infisical_tokens.core import command
from infisical_tokens.core.render import FindingJson, TokenJson

CREATE = "infisical.server.createServiceToken"
LIST_ENVIRONMENTS = "infisical.server.listEnvironments"
LIST_FOLDERS = "infisical.server.listFolders"
LIST_PROJECTS = "infisical.server.listProjects"
REFRESH = "infisical.server.refreshCatalog"
STATUS = "infisical.server.status"
LIST_TOKENS = "infisical.server.listTokens"
ROTATE = "infisical.server.rotateServiceToken"
DELETE = "infisical.server.deleteServiceToken"
AUDIT = "infisical.server.auditServiceTokens"
MIGRATE = "infisical.server.migrateServiceToken"
STATUS_CHANGED = "infisical/statusChanged"


class DocumentArgs(TypedDict, total=False):
    """Which document (and so which project) a question is about; ``projectId`` overrides."""

    uri: str
    projectId: str


class FolderArgs(DocumentArgs, total=False):
    environment: str


class CreateArgs(TypedDict, total=False):
    """A create: a document's command line (``argv``), or the pickers' values (one scope per entry)."""

    uri: str
    argv: list[str]
    projectId: str
    scopes: list[str]
    accessLevels: list[str]
    name: str
    expirySeconds: int
    dryRun: bool  # check everything and describe the request, without sending it


class CreateAnswer(TypedDict, total=False):
    ok: bool
    message: str  # why nothing was created (ok false)
    id: str
    name: str
    projectId: str
    expiresAt: str | None
    scopes: list[str]
    masked: str  # the one mask every face shows
    token: str  # only to a client that set clientHandlesTokens, or when a token file could not be written
    writtenTo: str
    preview: str  # a dry run: the request and the folders each scope covers, as the command line prints them


class EnvironmentItem(TypedDict):
    slug: str
    name: str


class EnvironmentsAnswer(TypedDict):
    online: bool
    environments: list[EnvironmentItem]


class FoldersAnswer(TypedDict):
    online: bool
    folders: list[str]
    reason: str | None  # why the folders may be partial or old (e.g. "rate-limited by the server; ...")
    partial: bool  # not every folder of the environment is known (a walk cut short, a listing not read yet)


class ProjectItem(TypedDict):
    id: str
    name: str


class ProjectsAnswer(TypedDict):
    online: bool
    projects: list[ProjectItem]


class StatusAnswer(TypedDict):
    projectId: str | None
    defaultEnvironment: str
    branchMapping: dict[str, str]
    online: bool
    reason: str | None


class StatusChanged(TypedDict):
    """Sent when a project's server stops answering or answers again, so a status item follows it unasked."""

    projectId: str
    online: bool
    reason: str | None


class RefreshAnswer(TypedDict):
    online: bool
    reason: str | None


class TokenArgs(TypedDict, total=False):
    """One of the project's tokens, by ID (or a unique prefix of at least 4 characters)."""

    uri: str
    projectId: str
    tokenId: str


class TokensAnswer(TypedDict, total=False):
    """``service-token list``'s outcome: its JSON form under ``tokens``, its table as ``message``."""

    ok: bool
    message: str
    note: str
    tokens: list[TokenJson]


class RotateAnswer(TypedDict, total=False):
    ok: bool
    message: str  # why nothing was rotated, or (with ok) what became of the old token
    token: str  # the new token, to the client that asked (clientHandlesTokens)
    masked: str
    name: str
    oldId: str
    oldDeleted: bool


class DeleteAnswer(TypedDict, total=False):
    """``service-token delete --yes``'s outcome: its JSON form's ``deleted``, and what was done as ``message``."""

    ok: bool
    message: str
    note: str
    deleted: TokenJson


class AuditAnswer(TypedDict, total=False):
    """``service-token audit``'s outcome: its JSON form's fields, its text as ``message``."""

    ok: bool
    message: str
    note: str  # what the audit said on the way: why folder checks were skipped (the folders read were partial)
    projectId: str
    tokens: int
    findings: list[FindingJson]


class CommandArgs(DocumentArgs, total=False):
    """A routed command without arguments of its own: ``args``, the words after the subcommand, as typed."""

    args: list[str]


class CommandAnswer(TypedDict, total=False):
    """A routed command without an answer of its own: its outcome's text as ``message``, its JSON form as
    ``result`` (when it has one), and what the workflow said on the way as ``note``."""

    ok: bool
    message: str
    note: str
    result: Any


class MigrateArgs(TokenArgs, total=False):
    """A migrate: ``dryRun`` first (it says what differs and sends nothing), then the real one."""

    dryRun: bool
    deleteToken: bool


class MigrateAnswer(TypedDict, total=False):
    ok: bool
    message: str  # why nothing remains, or (with ok) what was done
    preview: str  # a dry run: the identity, its rules, the lifetime mapping, what differs
    differences: list[str]  # what has no exact equivalent, said before anything is created
    identityId: str
    identityName: str
    clientId: str
    clientSecret: str  # only to a client that set clientHandlesTokens (our extension: the clipboard)
    masked: str
    ci: list[str]  # the lines a CI job now runs
    tokenDeleted: bool  # always false: the server never deletes the old token in a migrate
    deleteByClient: bool  # deleteToken was asked: the client deletes it (DELETE) once it holds the secret


# ---------------------------------------------------------------------- which commands the generic route runs

SPECIAL: dict[command.Subcommand, str] = {  # they carry a secret: each has its own flow
    command.CREATE: CREATE,
    command.ROTATE: ROTATE,
    command.MIGRATE: MIGRATE,
}
CLI_ONLY: dict[command.Subcommand, str] = {
    command.VIEW: "the palette picks from listTokens, which has every token's details; a held token is the "
    "terminal's INFISICAL_TOKEN, not the editor's",
    command.CHECK: "the editor checks each open document as it changes (diagnostics)",
    command.COMPLETION: "a shell's completion script; the editor completes through textDocument/completion",
}
ROUTE_NAMES: dict[command.Subcommand, str] = {  # named before the rule; the extension uses these names
    command.LIST: LIST_TOKENS,
    command.DELETE: DELETE,
    command.AUDIT: AUDIT,
}


def route_name(subcommand: command.Subcommand) -> str:
    """The wire name of a routed command: ``infisical.server.`` and its name in camelCase (``foo-bar``: fooBar)."""
    first, *rest = subcommand.name.split("-")
    return ROUTE_NAMES.get(subcommand) or "infisical.server." + first + "".join(w.capitalize() for w in rest)


def routed() -> dict[str, command.Subcommand]:
    """Every command the generic route runs, by wire name: all but those with their own flow or the command line's
    only, so a new subcommand reaches the editor without a row anywhere."""
    candidates = (*command.SUBCOMMANDS.values(), *command.TOP_LEVEL.values())
    return {route_name(c): c for c in candidates if c not in SPECIAL and c not in CLI_ONLY}


def commands() -> dict[str, tuple[type, type]]:
    """The typed commands, then every other routed command with the generic arguments and answer."""
    generic = {name: (CommandArgs, CommandAnswer) for name in routed() if name not in TYPED}
    return {**TYPED, **generic}


TYPED: dict[str, tuple[type, type]] = {
    CREATE: (CreateArgs, CreateAnswer),
    LIST_ENVIRONMENTS: (DocumentArgs, EnvironmentsAnswer),
    LIST_FOLDERS: (FolderArgs, FoldersAnswer),
    LIST_PROJECTS: (DocumentArgs, ProjectsAnswer),
    REFRESH: (DocumentArgs, RefreshAnswer),
    STATUS: (DocumentArgs, StatusAnswer),
    LIST_TOKENS: (DocumentArgs, TokensAnswer),
    ROTATE: (TokenArgs, RotateAnswer),
    DELETE: (TokenArgs, DeleteAnswer),
    AUDIT: (DocumentArgs, AuditAnswer),
    MIGRATE: (MigrateArgs, MigrateAnswer),
}
COMMANDS = commands()


NOTIFICATIONS: dict[str, type] = {STATUS_CHANGED: StatusChanged}


# ---------------------------------------------------------------------- TypeScript, generated


def _ts(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is str:
        return "string"
    if annotation in (int, float):
        return "number"
    if annotation is bool:
        return "boolean"
    if annotation is type(None):
        return "null"
    if annotation is Any:
        return "unknown"
    if origin is list:
        return f"{_ts(args[0])}[]"
    if origin is dict:
        return f"Record<{_ts(args[0])}, {_ts(args[1])}>"
    if origin in (Union, getattr(typing, "UnionType", Union)) or type(annotation).__name__ == "UnionType":
        return " | ".join(_ts(a) for a in args)
    if isinstance(annotation, type) and typing.is_typeddict(annotation):
        return annotation.__name__
    raise TypeError(f"no TypeScript for {annotation!r}")


def _interface(cls: type) -> str:
    hints = get_type_hints(cls)
    optional: frozenset[str] = getattr(cls, "__optional_keys__", frozenset())
    fields = "".join(f"  {name}{'?' if name in optional else ''}: {_ts(hint)};\n" for name, hint in hints.items())
    return f"export interface {cls.__name__} {{\n{fields}}}\n"


def typescript() -> str:
    every = commands()  # not COMMANDS: whatever the command table holds now
    seen: list[type] = []

    def collect(hint: Any) -> None:
        """Every TypedDict an answer holds, however deep (a token's scopes in a list of tokens)."""
        for candidate in [hint, *get_args(hint)]:
            if isinstance(candidate, type) and typing.is_typeddict(candidate) and candidate not in seen:
                seen.append(candidate)
                for inner in get_type_hints(candidate).values():
                    collect(inner)
            elif get_args(candidate) and candidate is not hint:
                collect(candidate)

    for classes in [*every.values(), *((p,) for p in NOTIFICATIONS.values())]:
        for cls in classes:
            collect(cls)
    wire = {**every, **NOTIFICATIONS}
    names = {value: key for key, value in globals().items() if isinstance(value, str) and value in wire}
    for name, subcommand in routed().items():  # a command named by the rule has no constant here
        names.setdefault(name, "RUN_" + subcommand.name.upper().replace("-", "_"))
    lines = [
        "// Generated by `python -m infisical_tokens.lsp.protocol` from lsp/protocol.py: do not edit by hand.\n",
        *(f'export const {names[c]} = "{c}";\n' for c in wire),
        "\n",
        *(_interface(cls) + "\n" for cls in sorted(seen, key=lambda c: c.__name__)),
        "export interface CommandMap {\n",
        *(f"  [{names[c]}]: {{ args: {a.__name__}; answer: {r.__name__} }};\n" for c, (a, r) in every.items()),
        "}\n",
        "\nexport interface NotificationMap {\n",
        *(f"  [{names[n]}]: {p.__name__};\n" for n, p in NOTIFICATIONS.items()),
        "}\n",
    ]
    return "".join(lines)


if __name__ == "__main__":
    sys.stdout.write(typescript())
