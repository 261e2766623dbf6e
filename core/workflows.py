"""Every service-token workflow, once: the faces (command line, magic, language server, extension) call these.

Each workflow takes typed input and a :class:`Context` and returns a typed outcome (:mod:`outcomes`) or raises
a typed error (from :mod:`errors`, or the three defined here); it connects through :mod:`connection`. Nothing
here prints: warnings go to ``ctx.warn`` and the faces render the outcomes. A parsed command reaches its
workflow through :data:`WORKFLOWS`, one table keyed by the command's definition, so no command can fall into
another's path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import command, project_config, reach, render
from .command import AuditOptions
from .connection import client_for, connect, require_user
from .context import MAX_STDIN, Context
from .coverage import FolderIndex
from .errors import (
    APIError,
    ConnectionRefused,
    DNSFailure,
    Forbidden,
    InfisicalTokensError,
    NotFound,
    ProblemsError,
    RateLimited,
    TLSFailure,
    TransportError,
    UsageError,
)
from .glob import compile_glob
from .models import parse_time
from .needs import Need, fixed_prefix, needs_for_scope
from .problems import Problem, has_errors
from .project import choose_project, project_file_quietly
from .project_config import ProjectConfig
from .record import replace
from .scope import check_environment
from .secret_path import normalize_path

# what one workflow alone needs (its outcomes, the folder walk and its cache, the login, the audit, migrate's
# plan, random bytes) is imported by it: an offline ``check`` runs through this module (benchmarks/bench_cli.py)
if TYPE_CHECKING:
    from . import folders
    from .api import InfisicalClient
    from .check_report import CheckReport
    from .migration import Migrated, MigratePreview
    from .models import ProjectInfo, TokenInfo
    from .outcomes import (
        AuditReport,
        CompletionScript,
        Created,
        CreatePlan,
        Deleted,
        DryRun,
        Rotated,
        RotatePreview,
        TokenList,
        TokenView,
    )

CREATE_PATH = "/v2/service-token/"


class CreateFailed(InfisicalTokensError):
    """The create request failed; ``maybe_created`` when the server may have acted before the failure.

    Only a refusal (a 4xx answer, a rate limit) or a request that never left (refused, no such host, TLS) says
    that nothing was created; a 5xx, a gateway timeout, a dropped connection or an answer without a usable token
    may all follow a token the server did create.
    """

    def __init__(self, cause: APIError | TransportError, project_id: str) -> None:
        self.cause, self.project_id, self.maybe_created = cause, project_id, _may_have_acted(cause)
        super().__init__(self.describe())

    def describe(self, prog: str = command.PROGRAM) -> str:
        """The message, with the commands to check written as the face ``prog`` spells them."""
        text = f"Unable to create service token: {self.cause}"
        if not self.maybe_created:
            return text
        return f"{text}{'' if text.endswith('.') else '.'} {render.may_exist_text(self.project_id, prog)}"


def _may_have_acted(cause: APIError | TransportError) -> bool:
    if isinstance(cause, RateLimited):
        return False
    if isinstance(cause, APIError):
        return not 400 <= cause.status < 500
    return not isinstance(cause, (ConnectionRefused, DNSFailure, TLSFailure))


class DeleteFailed(InfisicalTokensError):
    def __init__(self, cause: APIError | TransportError) -> None:
        self.cause = cause
        super().__init__(f"Unable to delete service token: {cause}")


class Cancelled(InfisicalTokensError):
    """The person said no; nothing was changed."""


def _project(explicit: str | None, ctx: Context) -> tuple[ProjectConfig | None, str]:
    return choose_project(explicit or ctx.project_id, ctx.env, ctx.cwd)


# ---------------------------------------------------------------------- create


def plan_create(options: command.CreateOptions, problems: Sequence[Problem], ctx: Context) -> CreatePlan:
    """The project the token is for, after the syntax checks; ProblemsError when any check is an error."""
    from .outcomes import CreatePlan

    if has_errors(list(problems)):
        raise ProblemsError(list(problems))
    config, project_id = _project(options.project_id, ctx)
    return CreatePlan(options, project_id, config, list(problems))


def check_environments(plan: CreatePlan, project: ProjectInfo) -> list[Problem]:
    slugs = [e.slug for e in project.environments]
    problems = []
    for arg in plan.options.scopes:
        problem = check_environment(arg, slugs)
        if problem is not None:
            problems.append(problem.shifted(arg.word, arg.offset) if arg.word is not None else problem)
    return problems


def fetch_project(client: InfisicalClient, project_id: str, *, strict: bool = True) -> ProjectInfo | None:
    """The project with its environments; None when this server or role cannot say (the create will tell).

    A server that does not answer at all stops a create here (``strict``), before anything is sent: waiting
    out a second timeout on the create itself would only end in "the token may exist".
    """
    try:
        return client.get_project(project_id)
    except (Forbidden, NotFound):
        raise
    except TransportError:
        if strict:
            raise
        return None
    except APIError:
        return None


def verify_environments(plan: CreatePlan, client: InfisicalClient, *, strict: bool = True) -> ProjectInfo | None:
    """The project, after checking the plan's environment slugs against it (ProblemsError when one is unknown)."""
    project = fetch_project(client, plan.project_id, strict=strict)
    if project is not None:
        problems = check_environments(plan, project)
        if problems:
            raise ProblemsError(problems)
    return project


def coverage(plan: CreatePlan, tree: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """For each scope (as typed), the existing folders it grants access to (a pinned token: its one folder)."""
    result = {}
    pin = reach.pinned([(a.environment, a.path) for a in plan.options.scopes])
    for arg in plan.options.scopes:
        if pin is not None:
            result[arg.text] = [pin[1]] if pin[1] in tree.get(pin[0], []) else []
            continue
        folders = tree.get(arg.environment.strip(), [])
        match = compile_glob(arg.server_path)
        result[arg.text] = [f for f in folders if match(f)]
    return result


def refusal_for_server(parsed: command.ParsedCommand, problems: Sequence[Problem], ctx: Context) -> tuple[Problem, ...]:
    """A dry run's refusal of a scope whose reads depend on the server (an empty path, a path without ``/``), said
    for the server in use: online, its generation is learnt first (one cheap call); offline, or when the server
    cannot tell, what each generation does stays said."""
    from .editor.commands import GENERATIONAL, told_for

    if not any(p.code in GENERATIONAL for p in problems):
        return tuple(problems)
    try:
        config, project_id = _project(parsed.string("projectId"), ctx)
        connection = connect(ctx, config, parsed.string("domain"), parsed.string("projectId"))
        with connection.client as client:
            generation = client.learn_generation(project_id)
    except InfisicalTokensError:
        return tuple(problems)
    return tuple(problems) if generation is None else told_for(parsed, tuple(problems), generation)


def dry_run(plan: CreatePlan, ctx: Context, domain: str | None = None) -> DryRun:
    """Everything a create checks, and the request it would send, without sending it.

    Without credentials or a server it still answers (offline), so a dry run works anywhere.
    """
    from .outcomes import DryRun

    try:
        connection = connect(ctx, plan.config, domain, plan.options.project_id)
    except InfisicalTokensError as err:
        ctx.warn(f"{err} Checking offline.")
        return DryRun(f"<API URL>{CREATE_PATH}", plan.body(""), None, plan, str(err))
    with connection.client as client:
        return _dry_run_with(plan, client, ctx)


def _dry_run_with(plan: CreatePlan, client: InfisicalClient, ctx: Context) -> DryRun:
    """A dry run on a connection already open (rotate's own)."""
    from .outcomes import DryRun

    verify_environments(plan, client, strict=False)
    cover, note = read_coverage(plan, client)
    if note is not None:
        ctx.warn(f"could not read every folder: {note}")
    generation = client.learn_generation(plan.project_id)
    return DryRun(client.api_url + CREATE_PATH, plan.body(""), cover, plan, coverage_note=note, generation=generation)


def read_coverage(
    plan: CreatePlan, client: InfisicalClient, bounds: folders.Bounds | None = None
) -> tuple[dict[str, list[str]] | None, str | None]:
    """The folders each scope covers (None: the folders could not be read), and why they may be partial."""
    from . import folders

    store = folders.FolderStore(client.api_url, plan.project_id, folders.cache_dir())
    needs = [need for arg in plan.options.scopes for need in needs_for_scope(arg.environment.strip(), arg.server_path)]
    result = folders.read(client, plan.project_id, needs, store, bounds=bounds or folders.Bounds())
    note = result.note()
    known = result.oldest is not None or result.complete
    tree = folders.as_tree(store, {n.environment for n in needs}) if known else None
    return (coverage(plan, tree) if tree is not None else None), note


def _warn_uncovered(plan: CreatePlan, client: InfisicalClient, ctx: Context) -> None:
    """Before sending: say which scopes cover no folder that exists now (never blocks: it may be created later).
    A create spends little on this: one tree call on a 2026 server, a few listings on a 2024 one; when the folders
    cannot all be known that cheaply, nothing is said."""
    from .folders import Bounds

    try:
        cover, note = read_coverage(plan, client, Bounds(requests=20, seconds=5.0))  # what a create may spend here
    except InfisicalTokensError:
        return  # the folders cannot be read now: nothing is known, so nothing is said
    if note is not None:
        return
    for scope, found in (cover or {}).items():
        if not found:
            ctx.warn(
                f"Scope {scope} covers no existing folder: the token will read nothing until such a folder is "
                "created. Sending it anyway."
            )


def create(plan: CreatePlan, ctx: Context, domain: str | None = None) -> Created:
    """Check the plan against the project and send it, once: a create is never retried."""
    connection = connect(ctx, plan.config, domain, plan.options.project_id)
    require_user(connection.credentials, "create")
    with connection.client as client:
        return _send(plan, client, ctx)


def _send(plan: CreatePlan, client: InfisicalClient, ctx: Context) -> Created:
    """The create on a connection already open (the caller checked it is a user's login)."""
    import secrets

    from .outcomes import Created

    verify_environments(plan, client)
    _warn_uncovered(plan, client, ctx)
    random_bytes = secrets.token_hex(16)
    ctx.progress.create_sent_for = plan.project_id  # from here on, a failure or an interrupt may lose a token
    try:
        created = client.create_service_token(plan.body(random_bytes))
    except (APIError, TransportError) as err:
        failed = CreateFailed(err, plan.project_id)
        if not failed.maybe_created:
            ctx.progress.create_sent_for = None
        raise failed from None
    result = Created(f"{created.server_token}.{random_bytes}", created.info, plan)
    ctx.progress.created = result
    return result


# ---------------------------------------------------------------------- list, view, delete


def list_tokens(ctx: Context, project_id: str | None = None, domain: str | None = None) -> TokenList:
    from .outcomes import TokenList

    config, resolved = _project(project_id, ctx)
    with connect(ctx, config, domain, project_id).client as client:
        return TokenList(resolved, client.list_service_tokens(resolved))


def view(ctx: Context, wanted: str, project_id: str | None = None, domain: str | None = None) -> TokenView:
    """A token of the project, by ID or ID prefix."""
    from .outcomes import TokenView
    from .token_lookup import find_token

    config, resolved = _project(project_id, ctx)
    with connect(ctx, config, domain, project_id).client as client:
        return TokenView(find_token(client.list_service_tokens(resolved), wanted, resolved))


def held_token(ctx: Context, source: str | None) -> str:
    """The service token to describe: from standard input (``-``) or ``INFISICAL_TOKEN``."""
    from .session import check_token_text

    if source == "-":
        raw = ctx.read_stdin()
        token, where = raw.strip(), "standard input"
        if len(raw) >= MAX_STDIN:
            raise UsageError(
                f"Standard input holds {MAX_STDIN:,} characters or more, so it is not a service token; "
                "pipe the token alone."
            )
    else:
        token, where = ctx.env.get("INFISICAL_TOKEN", "").strip(), "INFISICAL_TOKEN"
        if not token.startswith("st."):
            raise UsageError(
                "Give a token ID (see `list`), or pipe a service token: `... | infisical-tokens service-token view -`."
            )
    check_token_text(token, f"The token from {where}")
    if not token.startswith("st.") or len(token.split(".")) < 3:
        raise UsageError(f"The token from {where} is not a service token (st.<id>.<secret>...).")
    return token


def view_held(ctx: Context, token: str, domain: str | None = None) -> TokenView:
    """What the server says about a service token, asked as the token itself.

    The token is a credential: it goes only where the user chose (``--domain``, a setting, the
    environment), else to the instance they logged in to, never to a domain named by the repository's
    ``.infisical.json``.
    """
    from .outcomes import TokenView
    from .session import resolve_held_target

    chosen, where = (domain, "--domain") if domain is not None else (ctx.domain, ctx.domain_from)
    target = resolve_held_target(chosen, ctx.env, ctx.home, where)
    with client_for(target, None, ctx) as client:
        return TokenView(client.service_token_details(token))


def delete(ctx: Context, wanted: str, project_id: str | None = None, domain: str | None = None) -> Deleted:
    """Delete by ID (or ID prefix, when the project is known), after ``ctx.confirm`` agrees."""
    from .outcomes import Deleted
    from .token_lookup import find_token

    wanted = wanted.strip()
    config = project_file_quietly(ctx.cwd)
    resolved = project_config.project_id(project_id or ctx.project_id, ctx.env, config)
    connection = connect(ctx, config, domain)
    require_user(connection.credentials, "delete")
    with connection.client as client:
        label, token_id = wanted, wanted
        if resolved:
            try:
                tokens = client.list_service_tokens(resolved)
            except (APIError, TransportError):
                tokens = None  # the name is only for the prompt; deleting by full ID needs no project
            if tokens is not None and (any(t.id == wanted for t in tokens) or len(wanted) < 36):
                found = find_token(tokens, wanted, resolved)
                label, token_id = f"'{found.name}' ({found.id})", found.id
        if not ctx.confirm(label):
            raise Cancelled("Nothing deleted.")
        try:
            return Deleted(client.delete_service_token(token_id))
        except (APIError, TransportError) as err:
            raise DeleteFailed(err) from None


# ---------------------------------------------------------------------- rotate and audit


def rotate(
    ctx: Context,
    wanted: str,
    project_id: str | None = None,
    domain: str | None = None,
    *,
    name: str | None = None,
    expiry_seconds: int | None = None,
    keep_old: bool = False,
    preview: bool = False,
    token_only: bool = False,
) -> Rotated | RotatePreview:
    """A new token with the old one's name, scopes, access and lifetime; then the old one is deleted.

    Nothing is lost whatever fails: a failed create leaves the old token untouched (CreateFailed), the new
    token is delivered (``ctx.deliver``) before the delete is tried, and a failed delete is reported with the
    old token's ID. Nothing is retried. One connection serves the whole rotation (read, create, delete).
    """
    from .outcomes import Rotated, RotatePreview
    from .token_lookup import find_token

    config, resolved = _project(project_id, ctx)
    connection = connect(ctx, config, domain, project_id)
    require_user(connection.credentials, "rotate")
    with connection.client as client:
        old = find_token(client.list_service_tokens(resolved), wanted.strip(), resolved)
        lifetime = _rotated_lifetime(old, expiry_seconds, ctx)
        options, problems = command.create_options_from_values(
            [s.text for s in old.scopes],
            list(old.permissions),
            name=old.name if name is None else name,
            expiry_seconds=lifetime,
            project_id=resolved,
            dry_run=preview,
            token_only=token_only,
        )
        plan = plan_create(options, problems, ctx)
        if preview:
            return RotatePreview(_dry_run_with(plan, client, ctx), old, keep_old)
        created = _send(plan, client, ctx)
        ctx.deliver(created)
        if keep_old:
            return Rotated(created, old, deleted=False)
        ctx.progress.deleting = (old.id, resolved)
        try:
            client.delete_service_token(old.id)
        except (APIError, TransportError) as err:
            ctx.progress.deleting = None  # the outcome says the old token is kept
            return Rotated(created, old, deleted=False, delete_error=str(err))
        ctx.progress.deleting = None  # kept only while cut short (an interrupt): then it may not be done
    return Rotated(created, old, deleted=True)


def _rotated_lifetime(old: TokenInfo, chosen: int | None, ctx: Context) -> int:
    """The new token's lifetime: the one chosen (``-e``), else the old token's own, never a guess.

    An expired token is rotated with its lifetime counted from now (what a person rotating it wants: a working
    token like the old one), and the person is told it had expired.
    """
    from .audit import lifetime_seconds

    expires = parse_time(old.expires_at)
    if expires is not None and expires <= time.time():
        ctx.warn(f"The old token '{old.name}' ({old.id}) expired at {old.expires_at}; it no longer works.")
    if chosen is not None:
        return chosen
    lifetime = lifetime_seconds(old)
    if lifetime is None:
        raise UsageError(
            f"The lifetime of '{old.name}' ({old.id}) cannot be read from its dates (created "
            f"{old.created_at or 'unknown'}, expires {old.expires_at or 'unknown'}), and it is not guessed: nothing "
            f"was created or deleted. Choose the new token's lifetime: `rotate {old.id} -e SECONDS` (0 = never)."
        )
    return lifetime


def audit_needs(tokens: Sequence[TokenInfo], options: AuditOptions) -> list[Need]:
    """The folder listings the audit's checks depend on, and no more (a 2024 server allows 60 reads a minute):
    each scope's subtree, an exact folder's children, and the whole of a protected environment a token writes to.
    """
    needs: list[Need] = []
    for token in tokens:
        for scope in token.scopes:
            env, path = scope.environment, normalize_path(scope.secret_path)
            needs += needs_for_scope(env, path)
            prefix, exact = fixed_prefix(path)
            if exact and path.startswith("/"):
                needs.append(Need(env, prefix, deep=False))
            if "write" in token.permissions and env in options.protected:
                needs.append(Need(env, "/", deep=True))
    return needs


def run_audit(
    ctx: Context, options: AuditOptions, project_id: str | None = None, domain: str | None = None
) -> AuditReport:
    """Every finding over the project's tokens; folder checks read only the scopes' subtrees (rate limits)."""
    from . import folders
    from .audit import audit
    from .outcomes import AuditReport

    config, resolved = _project(project_id, ctx)
    with connect(ctx, config, domain, project_id).client as client:
        tokens = client.list_service_tokens(resolved)
        project = fetch_project(client, resolved, strict=False)
        slugs = (
            [e.slug for e in project.environments]
            if project
            else sorted({s.environment for t in tokens for s in t.scopes})
        )
        store = folders.FolderStore(client.api_url, resolved, folders.cache_dir())
        result = folders.read(client, resolved, audit_needs(tokens, options), store)
        generation = client.learn_generation(resolved)
    note = result.note()
    tree = folders.as_tree(store, slugs) if result.complete else None
    if note:
        ctx.warn(f"folder checks skipped: {note}")

    index = FolderIndex(tree or {})
    findings = audit(
        tokens, time.time(), options, tree, lambda env, glob: index.covered(env, normalize_path(glob)), generation
    )
    return AuditReport(resolved, tokens, findings, options, note)


# ---------------------------------------------------------------------- one table from command to workflow


def _run_create(parsed: command.ParsedCommand, ctx: Context) -> Created | DryRun:
    options, problems = command.create_options(parsed)
    plan = plan_create(options, problems, ctx)  # the face has shown the problems already
    domain = parsed.string("domain")
    return dry_run(plan, ctx, domain) if options.dry_run else create(plan, ctx, domain)


def _run_list(parsed: command.ParsedCommand, ctx: Context) -> TokenList:
    return list_tokens(ctx, parsed.string("projectId"), parsed.string("domain"))


def _run_view(parsed: command.ParsedCommand, ctx: Context) -> TokenView:
    wanted = parsed.positionals[0][1] if parsed.positionals else None
    if wanted is None or wanted == "-":
        return view_held(ctx, held_token(ctx, wanted), parsed.string("domain"))
    return view(ctx, wanted, parsed.string("projectId"), parsed.string("domain"))


def _run_delete(parsed: command.ParsedCommand, ctx: Context) -> Deleted:
    if parsed.flag_set("yes"):
        ctx = replace(ctx, confirm=lambda _label: True)
    return delete(ctx, parsed.positionals[0][1], parsed.string("projectId"), parsed.string("domain"))


def _run_rotate(parsed: command.ParsedCommand, ctx: Context) -> Rotated | RotatePreview:
    expiry = parsed.last("expiry-seconds")
    return rotate(
        ctx,
        parsed.positionals[0][1],
        parsed.string("projectId"),
        parsed.string("domain"),
        name=parsed.string("name"),
        expiry_seconds=command.parse_go_int(expiry.value) if expiry is not None else None,
        keep_old=parsed.flag_set("keep-old"),
        preview=parsed.flag_set("dry-run"),
        token_only=parsed.flag_set("token-only"),
    )


def _run_audit(parsed: command.ParsedCommand, ctx: Context) -> AuditReport:
    def days(name: str, default: int) -> int:
        given = parsed.last(name)
        value = command.parse_go_int(given.value) if given is not None else default
        if value < 0:
            raise UsageError(f"--{name} must be 0 or more days.")
        return value

    protected = [f.text.strip() for f in command.list_fields(parsed, "protected")[0]]
    defaults = AuditOptions()  # the one source of audit's defaults (the flags' help reads them too)
    options = AuditOptions(
        expiring_within_days=days("expiring-within", defaults.expiring_within_days),
        unused_for_days=days("unused-for", defaults.unused_for_days),
        protected=tuple(protected) if parsed.last("protected") else defaults.protected,
        fail_on=parsed.string("fail-on") or defaults.fail_on,
    )
    return run_audit(ctx, options, parsed.string("projectId"), parsed.string("domain"))


def _run_migrate(parsed: command.ParsedCommand, ctx: Context) -> Migrated | MigratePreview:
    from .migrate import migrate

    return migrate(
        ctx,
        parsed.positionals[0][1],
        parsed.string("projectId"),
        parsed.string("domain"),
        dry_run=parsed.flag_set("dry-run"),
        delete_token=parsed.flag_set("delete-token"),
    )


def _run_check(parsed: command.ParsedCommand, ctx: Context) -> CheckReport:
    from . import check
    from .check_report import CheckOptions

    return check.run(CheckOptions.from_command(parsed, ctx.cwd), ctx)


def _run_completion(parsed: command.ParsedCommand, ctx: Context) -> CompletionScript:
    from .outcomes import CompletionScript
    from .shell import SCRIPTS

    shell = parsed.positionals[0][1]
    return CompletionScript(shell, SCRIPTS[shell])


Workflow = Callable[[command.ParsedCommand, Context], Any]
WORKFLOWS: Mapping[command.Subcommand, Workflow] = {
    command.CREATE: _run_create,
    command.LIST: _run_list,
    command.VIEW: _run_view,
    command.DELETE: _run_delete,
    command.ROTATE: _run_rotate,
    command.AUDIT: _run_audit,
    command.CHECK: _run_check,
    command.MIGRATE: _run_migrate,
    command.COMPLETION: _run_completion,
}


def run(parsed: command.ParsedCommand, ctx: Context) -> Any:
    """The workflow of a checked command (the caller has shown its problems and stopped on errors)."""
    workflow = WORKFLOWS.get(parsed.subcommand) if parsed.subcommand is not None else None
    if workflow is None:
        raise UsageError(f"unknown command: {' '.join(parsed.argv[:2]) or '(none)'}")
    return workflow(parsed, ctx)
