"""``infisical-tokens``: the command line. It only parses, calls :mod:`operations`, and prints.

Output follows the Infisical CLI: human output and messages on stderr, ``--token-only`` prints the
bare token on stdout, ``list``/``view`` print data on stdout. Exit 0 on success, 1 on any error
(including a malformed scope, where the Infisical CLI exits 0), 130 on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import __version__, command, operations, render
from .errors import APIError, InfisicalTokensError, ProblemsError, TransportError, UsageError
from .problems import Problem
from .project import ProjectConfig

if TYPE_CHECKING:
    from .catalog import Catalog


class Console:
    def __init__(self, stdout: TextIO, stderr: TextIO, stdin: TextIO, silent: bool = False) -> None:
        self.stdout, self.stderr, self.stdin, self.silent = stdout, stderr, stdin, silent

    def out(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def err(self, text: str) -> None:
        self.stderr.write(text if text.endswith("\n") else text + "\n")
        self.stderr.flush()

    def warn(self, text: str) -> None:
        if not self.silent:
            self.err(f"Warning: {text}")

    def problems(self, problems: Sequence[Problem], argv: Sequence[str]) -> bool:
        """Print problems (warnings unless --silent); True when any is an error."""
        failed = False
        for problem in problems:
            if problem.severity == "error":
                failed = True
                self.err(render.problem_text(problem, argv))
            elif not self.silent:
                self.err(render.problem_text(problem, argv))
        return failed


def run(argv: Sequence[str], ctx: operations.Context, console: Console) -> int:
    if list(argv[:1]) in (["--version"], ["version"]):
        console.out(f"infisical-tokens {__version__}\n")
        return 0
    if not argv or list(argv[:1]) in (["--help"], ["-h"], ["help"]):
        console.out(render.top_help())
        return 0
    if argv[0] == "check":
        return _check(argv[1:], ctx, console)
    parsed, problems = command.check(argv)
    console.silent = parsed.flag_set("silent")
    if parsed.help:
        console.out(render.help_text(parsed.subcommand))
        return 0
    sub = parsed.subcommand
    if console.problems(problems, argv) or sub is None:
        return 1
    if sub is command.CREATE:
        return _create(parsed, ctx, console)
    if sub is command.LIST:
        return _list(parsed, ctx, console)
    if sub is command.VIEW:
        return _view(parsed, ctx, console)
    return _delete(parsed, ctx, console)


def _create(parsed: command.ParsedCommand, ctx: operations.Context, console: Console) -> int:
    argv = parsed.argv
    plan = operations.plan_create(parsed, ctx)
    try:
        connection = _connect(parsed, ctx, plan.config, console)
    except InfisicalTokensError as err:
        if not plan.options.dry_run:
            raise
        console.warn(f"{err} Checking offline.")
        body = plan.body("")
        console.out(render.dry_run_text("POST", "<API URL>/v2/service-token/", body, None))
        return 0
    operations.require_user(connection.credentials, "create")
    with connection.client as client:
        try:
            project = operations.verify_environments(plan, client)
        except ProblemsError as err:
            console.problems(err.problems, argv)
            return 1
        if plan.options.dry_run:
            tree = None
            try:
                tree = client.folder_tree(plan.project_id, [e.slug for e in project.environments] if project else None)
            except (APIError, TransportError) as err:
                console.warn(f"could not read the folder tree: {err}")
            cover = operations.coverage(plan, tree) if tree is not None else None
            console.out(render.dry_run_text("POST", client.api_url + "/v2/service-token/", plan.body(""), cover))
            return 0
        try:
            result = operations.send_create(plan, client)
        except (APIError, TransportError) as err:
            console.err(f"Unable to create service token: {err}")
            return 1
    if plan.options.token_only:
        console.out(result.token + "\n")
    else:
        console.err(render.created_lines(plan.options, plan.project_id, result.token))
    return 0


def _connect(
    parsed: command.ParsedCommand, ctx: operations.Context, config: ProjectConfig | None, console: Console
) -> operations.Connection:
    connection = operations.connect(parsed, ctx, config)
    for note in connection.target.notes:
        console.warn(note)
    return connection


def _list(parsed: command.ParsedCommand, ctx: operations.Context, console: Console) -> int:
    config, project_id = operations.resolve_project(parsed.string("projectId"), ctx)
    with _connect(parsed, ctx, config, console).client as client:
        tokens = client.list_service_tokens(project_id)
    if parsed.flag_set("json"):
        console.out(json.dumps([t.as_json() for t in tokens], indent=2) + "\n")
    else:
        console.out(render.token_table(tokens))
    return 0


def _view(parsed: command.ParsedCommand, ctx: operations.Context, console: Console) -> int:
    wanted = parsed.positionals[0][1] if parsed.positionals else None
    if wanted is None or wanted == "-":
        token = _service_token_input(wanted, ctx, console)
        from .session import resolve_target

        target = resolve_target(parsed.string("domain"), ctx.env, operations.project_config_quietly(ctx), None)
        with operations.client_for(target, None, ctx) as client:
            info = client.service_token_details(token)
    else:
        config, project_id = operations.resolve_project(parsed.string("projectId"), ctx)
        with _connect(parsed, ctx, config, console).client as client:
            info = operations.find_token(client.list_service_tokens(project_id), wanted, project_id)
    if parsed.flag_set("json"):
        console.out(json.dumps(info.as_json(), indent=2) + "\n")
    else:
        console.out(render.token_details(info))
    return 0


def _service_token_input(wanted: str | None, ctx: operations.Context, console: Console) -> str:
    if wanted == "-":
        token = console.stdin.readline().strip()
        source = "stdin"
    else:
        token = ctx.env.get("INFISICAL_TOKEN", "").strip()
        source = "INFISICAL_TOKEN"
        if not token.startswith("st."):
            raise UsageError(
                "Give a token ID (see `list`), or pipe a service token: `... | infisical-tokens service-token view -`."
            )
    if not token.startswith("st.") or len(token.split(".")) < 3:
        raise UsageError(f"The token from {source} is not a service token (st.<id>.<secret>...).")
    return token


def _delete(parsed: command.ParsedCommand, ctx: operations.Context, console: Console) -> int:
    token_id = parsed.positionals[0][1].strip()
    config = operations.project_config_quietly(ctx)
    connection = _connect(parsed, ctx, config, console)
    operations.require_user(connection.credentials, "delete")
    with connection.client as client:
        label = token_id
        try:
            project_id = operations.resolve_project_id(parsed.string("projectId"), ctx, config)
        except UsageError:
            project_id = ""  # the name is only for the prompt; deleting by ID needs no project
        if project_id:
            try:
                found = [t for t in client.list_service_tokens(project_id) if t.id == token_id]
            except (APIError, TransportError):
                found = []
            if found:
                label = f"'{found[0].name}' ({token_id})"
        if not parsed.flag_set("yes"):
            if not console.stdin.isatty():
                raise UsageError(f"Refusing to delete service token {label} without confirmation: pass --yes.")
            console.stderr.write(f"Delete service token {label}? This cannot be undone. [y/N] ")
            console.stderr.flush()
            if console.stdin.readline().strip().lower() not in ("y", "yes"):
                console.err("Nothing deleted.")
                return 1
        try:
            info = client.delete_service_token(token_id)
        except (APIError, TransportError) as err:
            console.err(f"Unable to delete service token: {err}")
            return 1
    console.err(f"Deleted service token '{info.name}' ({info.id}).")
    return 0


def _check(argv: Sequence[str], ctx: operations.Context, console: Console) -> int:
    from . import check

    args = check.parser().parse_args(list(argv))
    catalog = None
    if args.online:
        catalog = _online_catalog(args.domain, ctx)
    snapshot_for = check.SnapshotFor(catalog, args.project_id)
    reports: list[check.Report] = []
    files = 0
    try:
        for path, kind in check.candidate_files([p if p.is_absolute() else ctx.cwd / p for p in args.paths]):
            files += 1
            reports += check.check_file(path, kind, snapshot_for)
    finally:
        if catalog is not None:
            catalog.close()
    for project_id, reason in snapshot_for.failed.items():
        console.warn(f"project {project_id} checked offline: {reason}")
    console.out(check.FORMATS[args.format](reports, ctx.cwd))
    errors = sum(1 for r in reports if r.finding.severity == "error")
    if args.format == "text":
        console.err(f"{len(reports)} problem(s) ({errors} error(s)) in {files} file(s) checked.")
    return 1 if errors else 0


def _online_catalog(domain: str | None, ctx: operations.Context) -> Catalog:
    return operations.open_catalog(operations.connect_to(domain, ctx, None))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ctx = operations.Context(env=dict(os.environ), cwd=Path.cwd(), home=Path.home())
    console = Console(sys.stdout, sys.stderr, sys.stdin)
    try:
        return run(argv, ctx, console)
    except KeyboardInterrupt:
        console.err("Interrupted.")
        return 130
    except BrokenPipeError:
        return 1
    except (APIError, TransportError) as err:
        console.err(f"error: {err}")
        return 1
    except InfisicalTokensError as err:
        console.err(str(err))
        return 1
    except Exception as err:
        if os.environ.get("INFISICAL_TOKENS_DEBUG"):
            raise
        console.err(
            f"error: unexpected {type(err).__name__}. This is a bug in infisical-tokens; please report it "
            "(set INFISICAL_TOKENS_DEBUG=1 to see the traceback)."
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
